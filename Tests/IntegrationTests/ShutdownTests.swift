import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// SIGTERM (what `systemctl stop` sends) while an online backup runs: the agent lets it finish within
    /// `shutdown_grace_period`, or aborts it cleanly; either way the conductor hears how it ended, nothing is left
    /// in Swift or on disk, and the agent exits 0.
    @Suite(.needsServices) struct ShutdownTests {
        @Test func aBackupStillRunningAfterTheGracePeriodIsAbortedAndReportedFailed() async throws {
            try await BackupTestSession.run { session in
                let (source, second) = try await session.instanceWithTwoDatabases(
                    config: ["DEFAULT": ["shutdown_grace_period": "2"]])
                // The first image is uploaded; the second database's backup hangs far beyond the grace period.
                try await source.fault(["add", "--match", "BACKUP DATABASE \(second)", "--at", "after-data", "--hang", "300"])
                let id = UUID().uuidString.lowercased()
                try await source.createBackup(id: id, context: try await session.context())
                try await waitFor("the second database's backup runs") {
                    source.faultFired(matching: "BACKUP DATABASE \(second)") > 0
                }
                try await waitFor("segments of the first image are in Swift", timeout: 60) {
                    try await session.storedObjects(of: id).contains("\(id)_00000000")
                }
                let children = BackupTestProcesses.descendants(of: source.daemon.pid)

                let status = await source.daemon.stop(signal: SIGTERM, timeout: 90)
                #expect(status == 0, "the agent exits 0 after a clean abort")
                let end = try await session.waitForEnd(id, timeout: 10)
                #expect(session.states(id) == ["BUILDING", "FAILED"])
                #expect(end["note"]?.stringValue?.contains("agent stopped") == true, "\(end)")
                #expect(end["success"] == false && end["checksum"] == nil && end["location"] == nil)
                #expect(source.daemon.logText.contains("aborting"), "the log says the backup was aborted")
                #expect(children.allSatisfy { !BackupTestProcesses.isAlive($0) }, "the hung DB2 backup was killed")
                #expect(try await session.storedObjects(of: id).isEmpty, "no orphan segment")
                #expect(!FileManager.default.fileExists(atPath: source.backupDirectory), "local images removed")

                // The next start reports nothing again (the record it may find only waits for the partial upload's
                // last listing), and the instance backs up as before.
                try await source.fault(["clear"])
                try await source.start()
                try await waitFor("the journal is empty") {
                    ((try? FileManager.default.contentsOfDirectory(atPath: source.root.path + "/state/operations")) ?? [])
                        .isEmpty
                }
                let (_, again) = try await session.backup(source, context: try await session.context())
                #expect(again["state"] == "COMPLETED", "\(again)")
                #expect(session.states(id) == ["BUILDING", "FAILED"], "the aborted backup was reported once")
                try await source.checkUsable(second, table: "ROWS")
            }
        }

        @Test func aBackupThatEndsWithinTheGracePeriodCompletes() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance(config: ["DEFAULT": ["shutdown_grace_period": "120"]])
                try await session.insertRows(1000, into: "SAMPLE", of: source)
                let id = UUID().uuidString.lowercased()
                try await source.fault(["add", "--match", "BACKUP DATABASE SAMPLE", "--at", "after-data", "--hang", "120"])
                try await source.createBackup(id: id, context: try await session.context())
                try await waitFor("the backup runs") { source.faultFired(matching: "BACKUP DATABASE SAMPLE") > 0 }

                // SIGTERM while DB2 is still writing the image; the backup then ends well within the grace period.
                let stopping = Task { await source.daemon.stop(signal: SIGTERM, timeout: 120) }
                _ = try await source.daemon.waitForLog("shutting down")
                #expect(source.daemon.isRunning, "the agent waits for the backup")
                try await source.fault(["clear"])
                #expect(await stopping.value == 0)
                let end = try await session.waitForEnd(id, timeout: 10)
                #expect(session.states(id) == ["BUILDING", "COMPLETED"], "\(end)")
                let checksum = try #require(end["checksum"]?.stringValue)
                let head = try await session.swift.head(container: session.container, object: "\(id).gz.enc")
                #expect(head.etag == checksum)
                #expect(!source.daemon.logText.contains("aborting"))
                // Every service stops when the group asks it to: none ends early and fails the group.
                #expect(!source.daemon.logText.contains("ended with an error"), "\(source.daemon.logText.suffix(2000))")
            }
        }
    }
}
