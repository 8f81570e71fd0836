import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// Backups that go wrong: each ends with a clear `FAILED`, nothing is reported as good that is not, no segment
    /// is left in Swift, and the database stays usable.
    @Suite(.needsServices) struct BackupFaultTests {
        @Test func notEnoughSpaceFailsWithTrovesMessageBeforeAnythingIsWritten() async throws {
            try await BackupTestSession.run { session in
                // A 24 MiB volume holding a database of ~14 MiB: its backup (plus the log it carries) cannot fit.
                let source = try await session.preparedInstance(tmpfsBytes: 24 << 20)
                try await source.succeed("db2 connect to SAMPLE >/dev/null && db2 \"create table BIG (id integer not null, pad varchar(30000))\" >/dev/null")
                let script = source.root.appendingPathComponent("big.sql")
                var generator = SystemRandomNumberGenerator()
                let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
                let statements = (0..<3).map { batch in
                    "insert into BIG values " + (0..<100).map { row in
                        "(\(batch * 100 + row),'\(String((0..<20_000).map { _ in alphabet.randomElement(using: &generator)! }))')"
                    }.joined(separator: ",") + ";"
                }
                try statements.joined(separator: "\n").write(to: script, atomically: true, encoding: .utf8)
                try await source.succeed("db2 connect to SAMPLE >/dev/null && db2 -tf '\(script.path)' >/dev/null")
                try FileManager.default.removeItem(at: script)

                let (id, end) = try await session.backup(source, context: try await session.context())
                #expect(session.states(id) == ["BUILDING", "FAILED"])
                let note = try #require(end["note"]?.stringValue)
                #expect(note.hasPrefix("The instance has only "), "\(note)")
                #expect(note.contains("G free while the estimated backup size is "), "\(note)")
                #expect(end["success"] == false)
                #expect(try await session.storedObjects(of: id).isEmpty)
                #expect(!FileManager.default.fileExists(atPath: source.backupDirectory), "no image was written")
                #expect(!source.daemon.logText.contains("BACKUP DATABASE SAMPLE ONLINE ("), "no backup was started")
                try await source.checkUsable("SAMPLE", table: "ROWS")
            }
        }

        @Test func aDatabaseThatCannotBeMadeRecoverableFailsTheBackupAndTheNextOneRepairsIt() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance()
                // Archive logging switched off behind the agent's back, while an application stays connected: the
                // repair needs an offline backup, which DB2 refuses while the database is in use.
                try await source.succeed("db2 update db cfg for SAMPLE using LOGARCHMETH1 OFF >/dev/null")
                let writer = try source.startWriter(database: "SAMPLE", table: "ROWS")
                try await waitFor("the writer commits rows") { writer.acknowledged >= 5 }
                let context = try await session.context()
                let (id, end) = try await session.backup(source, context: context)
                #expect(session.states(id) == ["BUILDING", "FAILED"])
                let note = try #require(end["note"]?.stringValue)
                #expect(note.contains("not recoverable"), "\(note)")
                #expect(note.contains("SQL1035N"), "\(note)")
                #expect(try await session.storedObjects(of: id).isEmpty)
                try await waitFor("the writer goes on after the failed backup") { writer.acknowledged >= 15 }
                _ = await writer.stop()
                #expect(writer.errors.isEmpty, "the application was never refused: \(writer.errors)")

                // With the application gone, the next backup repairs archive logging and completes.
                let (_, second) = try await session.backup(source, context: context)
                #expect(second["state"] == "COMPLETED", "\(second)")
                try await source.checkUsable("SAMPLE", table: "ROWS")
            }
        }

        @Test func aBackupFailingMidWayLeavesNoSegmentsAndTheDatabasesUsable() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance(databases: ["ORDERS", "SAMPLE"])
                try await session.insertRows(2000, into: "ORDERS", of: source)
                try await session.insertRows(2000, into: "SAMPLE", of: source)
                try await source.fault([
                    "add", "--match", "BACKUP DATABASE SAMPLE", "--at", "after-data", "--fail", "SQL2419N", "--token",
                    source.backupDirectory,
                ])
                let (id, end) = try await session.backup(source, context: try await session.context())
                #expect(session.states(id) == ["BUILDING", "FAILED"])
                let note = try #require(end["note"]?.stringValue)
                #expect(note.contains("SAMPLE") && note.contains("SQL2419N"), "\(note)")
                #expect(end["checksum"] == nil && end["location"] == nil)
                #expect(try await session.storedObjects(of: id).isEmpty, "no orphan segment")
                #expect(!FileManager.default.fileExists(atPath: source.backupDirectory))
                try await source.checkUsable("ORDERS", table: "ROWS")
                try await source.checkUsable("SAMPLE", table: "ROWS")
            }
        }

        @Test func swiftAnswering503FailsTheBackupWithoutOrphans() async throws {
            try await BackupTestSession.run { session in
                // A Swift of this test's own whose object server is gone: the proxy answers 503 to every object.
                try await BackupTestSession.withService(
                    script: session.swift.storeScript, prefix: "swift-503", variable: "SWIFT_AUTH_URL"
                ) { directory, authURL in
                    let broken = BackupTestSwift(
                        authURL: authURL, user: session.swift.user, key: session.swift.key, python: session.swift.python,
                        swiftDirectory: directory.path, storeScript: session.swift.storeScript)
                    let (token, storageURL) = try await broken.authenticate()
                    let objectServer = try String(contentsOf: directory.appendingPathComponent("run/object.pid"), encoding: .utf8)
                    let pid = try #require(Int32(objectServer.trimmingCharacters(in: .whitespacesAndNewlines)))
                    kill(pid, SIGKILL)
                    try await waitFor("the object server is gone") { !BackupTestProcesses.isAlive(pid) }

                    let source = try await session.preparedInstance()
                    try await session.insertRows(500, into: "SAMPLE", of: source)
                    let (id, end) = try await session.backup(
                        source, context: broken.context(token: token, storageURL: storageURL))
                    #expect(session.states(id) == ["BUILDING", "FAILED"])
                    let note = try #require(end["note"]?.stringValue)
                    #expect(note.contains("503"), "\(note)")
                    #expect(try await broken.list(container: session.container).filter { $0.hasPrefix(id) }.isEmpty)
                    #expect(!FileManager.default.fileExists(atPath: source.backupDirectory))
                    #expect(source.daemon.logText.contains("retrying"), "transient errors were retried first")
                    try await source.checkUsable("SAMPLE", table: "ROWS")
                }
            }
        }

        @Test func theAgentKilledMidUploadReportsTheBackupFailedAndCleansUpAtRestart() async throws {
            try await BackupTestSession.run { session in
                let (source, second) = try await session.instanceWithTwoDatabases()
                // The second database's backup waits while the first image streams to Swift.
                try await source.fault(["add", "--match", "BACKUP DATABASE \(second)", "--at", "start", "--hang", "120"])
                let id = UUID().uuidString.lowercased()
                try await source.createBackup(id: id, context: try await session.context())
                try await waitFor("the second database's backup starts") { source.faultFired(matching: "BACKUP DATABASE \(second)") > 0 }
                try await waitFor("segments of the first image are in Swift", timeout: 60) {
                    try await session.storedObjects(of: id).contains("\(id)_00000001")
                }
                #expect(!(try await session.storedObjects(of: id)).contains("\(id).gz.enc"), "the upload is not finished")

                let children = BackupTestProcesses.descendants(of: source.daemon.pid)
                #expect(await source.daemon.stop(signal: SIGKILL) != 0)
                try await source.fault(["clear"])  // the orphaned db2 finishes
                try await waitFor("the killed agent's children end") { children.allSatisfy { !BackupTestProcesses.isAlive($0) } }

                try await source.start()
                let end = try await session.waitForEnd(id, timeout: 60)
                #expect(end["state"] == "FAILED")
                #expect(end["note"]?.stringValue?.contains("the agent stopped during the backup") == true, "\(end)")
                #expect(try await session.storedObjects(of: id).isEmpty, "the partial upload was deleted")
                #expect(!FileManager.default.fileExists(atPath: source.backupDirectory), "local images removed")
                try await waitFor("the journal is empty") {
                    ((try? FileManager.default.contentsOfDirectory(atPath: source.root.path + "/state/operations")) ?? []).isEmpty
                }
                try await source.checkUsable("SAMPLE", table: "ROWS")
                // And the instance backs up again.
                let (_, again) = try await session.backup(source, context: try await session.context())
                #expect(again["state"] == "COMPLETED", "\(again)")
            }
        }

        @Test func theBrokerRestartedMidBackupStillDeliversCompleted() async throws {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("scripts/rabbitmq").path
            try await BackupTestSession.withService(script: script, prefix: "backup-broker", variable: "AMQP_PORT") {
                brokerDirectory, portText in
                let port = try #require(Int(portText))
                // Durable queues and exchange (amqp_durable_queues, on every side): the conductor's queue, and so what is
                // published to it, survives the restart.
                try await BackupTestSession.run(port: port, peerOptions: ["--durable"]) { session in
                    let source = try await session.preparedInstance(
                        config: ["oslo_messaging_rabbit": ["amqp_durable_queues": "True"]])
                    try await session.insertRows(1000, into: "SAMPLE", of: source)
                    try await source.fault(["add", "--match", "BACKUP DATABASE SAMPLE", "--at", "after-data", "--hang", "120"])
                    let id = UUID().uuidString.lowercased()
                    try await source.createBackup(id: id, context: try await session.context())
                    try await waitFor("the backup runs") { source.faultFired(matching: "BACKUP DATABASE SAMPLE") > 0 }
                    _ = try await session.conductor.waitForCall("BUILDING") {
                        $0["method"] == "update_backup" && $0["args"]?["state"] == "BUILDING"
                    }

                    // The broker goes away; the backup finishes meanwhile, its COMPLETED waits in the agent's outbox.
                    let stopped = try await ProcessRunner.run(script, ["stop", brokerDirectory.path])
                    #expect(stopped.succeeded, "\(stopped.stderr)")
                    try await source.fault(["clear"])
                    _ = try await source.daemon.waitForLog("backup completed", timeout: 60)
                    let restarted = try await ProcessRunner.run(script, ["start", brokerDirectory.path])
                    #expect(restarted.succeeded, "\(restarted.stderr)")

                    let end = try await session.waitForEnd(id, timeout: 120)
                    #expect(end["state"] == "COMPLETED", "\(end)")
                    #expect(session.states(id) == ["BUILDING", "COMPLETED"])
                    let object = "\(id).gz.enc"
                    #expect(try await session.swift.head(container: session.container, object: object).etag == end["checksum"]?.stringValue)
                }
            }
        }
    }
}

/// The process table, for tests that kill the agent.
enum BackupTestProcesses {
    /// Whether `pid` runs (a zombie does not count).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z" && state != "X"
    }

    /// Every process below `pid` (children, their children...).
    static func descendants(of pid: Int32) -> [Int32] {
        var parents: [Int32: Int32] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { parents[child] = parent }
        }
        var found: [Int32] = []
        var frontier = [pid]
        while let next = frontier.popLast() {
            let children = parents.filter { $0.value == next }.map(\.key)
            found += children
            frontier += children
        }
        return found
    }
}
