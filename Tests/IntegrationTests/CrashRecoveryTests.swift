import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// The agent killed (SIGKILL: no clean-up of its own) at each point of a backup, then started again: the next
    /// start finishes what was left, the conductor hears the truth once, and nothing the backup needed is lost.
    /// The kill comes from the agent's crash-point test hook (`TROVE_DB2_AGENT_CRASH_AT`), or from outside while DB2
    /// is held by a fault.
    @Suite(.needsServices) struct CrashRecoveryTests {
        /// Kills the agent at `point` of a backup of `source`, starts it again, and returns the backup's id and how
        /// the conductor heard it end.
        private func backupKilled(
            at point: String, _ source: BackupTestInstance, _ session: BackupTestSession
        ) async throws -> (id: String, end: [String: JSONValue]) {
            _ = await source.daemon.stop()
            try await source.start(environment: ["TROVE_DB2_AGENT_TEST_HOOKS": "1", "TROVE_DB2_AGENT_CRASH_AT": point])
            let id = UUID().uuidString.lowercased()
            try await source.createBackup(id: id, context: try await session.context())
            _ = try await source.daemon.waitForLog("crash point \(point) reached", timeout: 120)
            #expect(await source.daemon.stop(signal: 0, timeout: 30) == 128 + SIGKILL, "the agent died at \(point)")
            try await source.start()
            return (id, try await session.waitForEnd(id, timeout: 120))
        }

        @Test func aKillOnceTheBackupIsStoredStillReportsItCompletedAndKeepsEveryLog() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance()
                try await session.insertRows(800, into: "SAMPLE", of: source)
                for point in ["backup:stored", "backup:cleaned-locally"] {
                    let (id, end) = try await backupKilled(at: point, source, session)
                    #expect(end["state"] == "COMPLETED", "killed at \(point): \(end)")
                    #expect(session.states(id).filter { $0 != "BUILDING" } == ["COMPLETED"], "reported once: \(session.states(id))")
                    let checksum = try #require(end["checksum"]?.stringValue, "killed at \(point)")
                    let head = try await session.swift.head(container: session.container, object: "\(id).gz.enc")
                    #expect(head.etag == checksum, "the verified backup is kept (killed at \(point))")
                    try await waitFor("the journal is empty after recovery") {
                        ((try? FileManager.default.contentsOfDirectory(atPath: source.root.path + "/state/operations")) ?? [])
                            .isEmpty
                    }

                    // What the backup carries restores: the archived logs it took are in it.
                    let target = try await session.instance()
                    try await target.start()
                    let status = try await target.prepare(
                        databases: [], backupInfo: BackupTestSession.restoreInfo(id, end, for: target),
                        context: try await session.context(), conductor: session.conductor)
                    #expect(status == "running", "killed at \(point)")
                    #expect(try await target.ids(in: "ROWS", database: "SAMPLE") == Array(1...800), "killed at \(point)")
                    _ = await target.daemon.stop()
                }
                try await source.checkUsable("SAMPLE", table: "ROWS")
            }
        }

        @Test func aKillBeforeTheBackupIsStoredReportsItFailedOnceAndLeavesNothing() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance()
                try await session.insertRows(300, into: "SAMPLE", of: source)
                for point in ["backup:accepted", "backup:checking", "backup:streaming"] {
                    let (id, end) = try await backupKilled(at: point, source, session)
                    #expect(end["state"] == "FAILED", "killed at \(point): \(end)")
                    #expect(end["note"]?.stringValue?.contains("the agent stopped during the backup") == true, "\(end)")
                    try await waitFor("the journal is empty after recovery") {
                        ((try? FileManager.default.contentsOfDirectory(atPath: source.root.path + "/state/operations")) ?? [])
                            .isEmpty
                    }
                    #expect(session.states(id).filter { $0 != "BUILDING" } == ["FAILED"], "once: \(session.states(id))")
                    #expect(try await session.storedObjects(of: id).isEmpty, "nothing left (killed at \(point))")
                    #expect(!FileManager.default.fileExists(atPath: source.backupDirectory), "no image left")
                }
                try await source.checkUsable("SAMPLE", table: "ROWS")
            }
        }

        @Test func aKillWhileAFailedBackupIsCleanedUpReportsItFailedOnceAndLeavesNothing() async throws {
            try await BackupTestSession.run { session in
                let (source, second) = try await session.instanceWithTwoDatabases()
                for point in ["backup:failed", "backup:store-cleaned"] {
                    // The second database's backup fails once the first image is streaming: a partial upload to delete.
                    try await source.fault([
                        "add", "--match", "BACKUP DATABASE \(second)", "--at", "after-data", "--fail", "SQL2419N",
                        "--token", source.backupDirectory,
                    ])
                    let (id, end) = try await backupKilled(at: point, source, session)
                    #expect(end["state"] == "FAILED", "killed at \(point): \(end)")
                    #expect(end["note"]?.stringValue?.contains("SQL2419N") == true, "the recorded cause is kept: \(end)")
                    try await waitFor("the journal is empty after recovery") {
                        ((try? FileManager.default.contentsOfDirectory(atPath: source.root.path + "/state/operations")) ?? [])
                            .isEmpty
                    }
                    #expect(session.states(id).filter { $0 != "BUILDING" } == ["FAILED"], "once: \(session.states(id))")
                    #expect(try await session.storedObjects(of: id).isEmpty, "nothing left (killed at \(point))")
                }
            }
        }

        @Test func anOfflineBackupKilledWhileQuiescedLeavesTheInstanceUsableAfterRestart() async throws {
            try await BackupTestSession.run { session in
                let offline = ["db2": ["backup_strategy": "DB2OfflineBackup"]]
                let source = try await session.preparedInstance(config: offline)
                try await session.insertRows(100, into: "SAMPLE", of: source)
                try await source.fault(["add", "--match", "BACKUP DATABASE SAMPLE", "--at", "start", "--hang", "120"])
                let id = UUID().uuidString.lowercased()
                try await source.createBackup(id: id, context: try await session.context())
                try await waitFor("the offline backup runs, the instance quiesced") {
                    source.faultFired(matching: "BACKUP DATABASE SAMPLE") > 0
                }
                #expect(!(try await source.shell("db2 connect to SAMPLE user appuser using pw").succeeded),
                        "an application is refused while the offline backup runs")
                let children = BackupTestProcesses.descendants(of: source.daemon.pid)
                #expect(await source.daemon.stop(signal: SIGKILL) != 0)
                try await source.fault(["clear"])
                try await waitFor("the killed agent's children end") { children.allSatisfy { !BackupTestProcesses.isAlive($0) } }

                try await source.start()
                let end = try await session.waitForEnd(id, timeout: 60)
                #expect(end["state"] == "FAILED", "\(end)")
                _ = try await source.daemon.waitForLog("unquiesced", timeout: 60)
                let connected = try await source.shell("db2 connect to SAMPLE user appuser using pw")
                #expect(connected.succeeded, "applications connect again: \(connected.stdout)")
                try await source.checkUsable("SAMPLE", table: "ROWS")
            }
        }

        @Test func anInstanceQuiescedOutsideABackupIsReportedBlockedUntilUnquiesced() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance()
                let guest = source.guestID
                func heartbeat(_ status: String, after index: Int) async throws {
                    _ = try await session.conductor.waitForCall(after: index, timeout: 60, "a heartbeat saying \(status)") {
                        call in
                        call["method"] == "heartbeat" && call["args"]?["instance_id"]?.stringValue == guest
                            && call["args"]?["payload"]?["service_status"]?.stringValue == status
                    }
                }
                // Someone other than the agent quiesces the instance: applications are refused, the heartbeat says so.
                let before = session.conductor.linesSoFar
                try await source.succeed("db2 quiesce instance db2inst1 restricted access immediate force connections")
                try await heartbeat("blocked", after: before)
                #expect(source.daemon.logText.contains("the instance is quiesced and no offline backup of the agent's holds it"))
                let blocked = session.conductor.linesSoFar
                try await source.succeed("db2 unquiesce instance db2inst1")
                try await heartbeat("running", after: blocked)
            }
        }

        @Test func anOfflineBackupAbortedPastTheGracePeriodUnquiescesBeforeTheAgentExits() async throws {
            try await BackupTestSession.run { session in
                let config = ["db2": ["backup_strategy": "DB2OfflineBackup"], "DEFAULT": ["shutdown_grace_period": "2"]]
                let source = try await session.preparedInstance(config: config)
                try await session.insertRows(100, into: "SAMPLE", of: source)
                try await source.fault(["add", "--match", "BACKUP DATABASE SAMPLE", "--at", "start", "--hang", "120"])
                let id = UUID().uuidString.lowercased()
                try await source.createBackup(id: id, context: try await session.context())
                try await waitFor("the offline backup runs, the instance quiesced") {
                    source.faultFired(matching: "BACKUP DATABASE SAMPLE") > 0
                }
                #expect(await source.daemon.stop(signal: SIGTERM, timeout: 90) == 0)
                let end = try await session.waitForEnd(id, timeout: 10)
                #expect(end["state"] == "FAILED" && end["note"]?.stringValue?.contains("agent stopped") == true, "\(end)")
                let connected = try await source.shell("db2 connect to SAMPLE user appuser using pw")
                #expect(connected.succeeded, "the agent unquiesced before it exited: \(connected.stdout)")
                try await source.fault(["clear"])
            }
        }
    }
}
