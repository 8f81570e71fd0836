import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// What the conductor hears when the broker loses its queue, and what is left in Swift when Swift misbehaves:
    /// a final report is delivered exactly once, and no object of a failed backup stays in the store, whatever
    /// happened to the upload.
    @Suite(.needsServices) struct DeliveryAndCleanupTests {
        static let rabbitScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/rabbitmq").path

        /// Runs `body` with a Swift of the test's own (its proxy may be killed) and a client for it.
        private func withPrivateSwift(
            _ session: BackupTestSession, _ body: (BackupTestSwift, URL) async throws -> Void
        ) async throws {
            try await BackupTestSession.withService(
                script: session.swift.storeScript, prefix: "swift-own", variable: "SWIFT_AUTH_URL"
            ) { directory, authURL in
                let swift = BackupTestSwift(
                    authURL: authURL, user: session.swift.user, key: session.swift.key, python: session.swift.python,
                    swiftDirectory: directory.path, storeScript: session.swift.storeScript)
                try await body(swift, directory)
            }
        }

        private func swiftStore(_ swift: BackupTestSwift, _ command: String) async throws {
            let result = try await ProcessRunner.run(swift.storeScript, [command, swift.swiftDirectory])
            guard result.succeeded else { throw BackupTestFailure("swift-store \(command): \(result.stderr)") }
        }

        private func proxyPort(_ directory: URL) throws -> Int {
            let environment = try String(contentsOf: directory.appendingPathComponent("env"), encoding: .utf8)
            let line = environment.split(separator: "\n").first { $0.hasPrefix("SWIFT_PROXY_PORT=") }
            guard let port = line.flatMap({ Int($0.dropFirst("SWIFT_PROXY_PORT=".count)) }) else {
                throw BackupTestFailure("no SWIFT_PROXY_PORT in \(directory.path)/env")
            }
            return port
        }

        private func journal(_ instance: BackupTestInstance) -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: instance.root.path + "/state/operations")) ?? []
        }

        @Test func aCompletedSentWhileTheConductorQueueIsGoneArrivesOnceWhenTheConductorIsBack() async throws {
            try await BackupTestSession.withService(script: Self.rabbitScript, prefix: "broker-transient", variable: "AMQP_PORT") {
                brokerDirectory, portText in
                let port = try #require(Int(portText))
                // Trove's defaults everywhere: non-durable queues, so a broker restart deletes the conductor's queue
                // until a conductor declares it again.
                try await BackupTestSession.run(port: port) { session in
                    let source = try await session.preparedInstance()
                    try await session.insertRows(500, into: "SAMPLE", of: source)
                    try await source.fault(["add", "--match", "BACKUP DATABASE SAMPLE", "--at", "after-data", "--hang", "120"])
                    let id = UUID().uuidString.lowercased()
                    try await source.createBackup(id: id, context: try await session.context())
                    try await waitFor("the backup runs") { source.faultFired(matching: "BACKUP DATABASE SAMPLE") > 0 }
                    _ = try await session.conductor.waitForCall("BUILDING") {
                        $0["method"] == "update_backup" && $0["args"]?["state"] == "BUILDING"
                    }

                    // The conductor is down and the broker restarts: the conductor's queue is gone.
                    session.conductor.stop()
                    let before = source.daemon.logs.allLines.count
                    let restarted = try await ProcessRunner.run(Self.rabbitScript, ["restart", brokerDirectory.path])
                    #expect(restarted.succeeded, "\(restarted.stderr)")
                    _ = try await source.daemon.waitForLog("consuming RPC", after: before, timeout: 60)
                    try await source.fault(["clear"])
                    _ = try await source.daemon.waitForLog("backup completed", timeout: 60)
                    // The agent has sent its COMPLETED into a broker with no conductor queue.
                    try await waitFor("the agent sent its report", timeout: 60) {
                        source.daemon.logText.contains("reached no conductor queue") || journal(source).isEmpty
                    }

                    // A conductor comes back and declares its queue again.
                    try await session.replaceConductor()
                    let end = try await session.waitForEnd(id, timeout: 120)
                    #expect(end["state"] == "COMPLETED", "\(end)")
                    try await waitFor("the journal is empty once the report is delivered") { journal(source).isEmpty }
                    // Whatever was sent again reaches the conductor once.
                    _ = try await source.client.call("rpc_ping", [:])
                    #expect(session.states(id) == ["COMPLETED"], "exactly once: \(session.states(id))")
                    let checksum = try #require(end["checksum"]?.stringValue)
                    #expect(try await session.swift.head(container: session.container, object: "\(id).gz.enc").etag == checksum)
                }
            }
        }

        @Test func segmentsCommittedAfterTheAgentDiedAreDeletedByTheNextStart() async throws {
            try await BackupTestSession.run { session in
                try await withPrivateSwift(session) { swift, directory in
                    // Segment PUTs are held 3 s by a buffering proxy: when the agent dies, one is still on its way.
                    let proxy = try SlowSwiftProxy(upstream: try proxyPort(directory), delay: 3, pattern: "_[0-9]{8}$")
                    let (source, second) = try await session.instanceWithTwoDatabases(
                        config: ["DEFAULT": ["storage_cleanup_settle_time": "8"]])
                    try await source.fault(["add", "--match", "BACKUP DATABASE \(second)", "--at", "start", "--hang", "120"])
                    let (token, storageURL) = try await swift.authenticate()
                    let id = UUID().uuidString.lowercased()
                    try await source.createBackup(id: id, context: swift.context(token: token, storageURL: proxy.through(storageURL)))
                    try await waitFor("segment PUTs are on their way", timeout: 60) {
                        let stats = try await proxy.stats()
                        return stats.held > stats.forwarded && stats.forwarded >= 1
                    }
                    #expect(await source.daemon.stop(signal: SIGKILL) != 0)
                    try await source.fault(["clear"])
                    try await source.start()

                    let end = try await session.waitForEnd(id, timeout: 60)
                    #expect(end["state"] == "FAILED", "\(end)")
                    try await waitFor("recovery is over (the journal is empty)", timeout: 90) { journal(source).isEmpty }
                    let stats = try await proxy.stats()
                    #expect(stats.held == stats.forwarded, "every held PUT reached Swift before recovery ended")
                    #expect(try await swift.list(container: session.container).filter { $0.hasPrefix(id) }.isEmpty,
                            "no object of the interrupted backup is left")
                    #expect(session.states(id) == ["BUILDING", "FAILED"])
                }
            }
        }

        @Test func aKillWhileTheManifestIsStoredNamesThatStepAndLeavesNothing() async throws {
            try await BackupTestSession.run { session in
                try await withPrivateSwift(session) { swift, directory in
                    // The manifest PUT is held: the agent dies while it is being stored.
                    let proxy = try SlowSwiftProxy(
                        upstream: try proxyPort(directory), delay: 4, pattern: "\\.gz\\.enc(\\?|$)")
                    let source = try await session.preparedInstance(
                        config: ["DEFAULT": ["storage_cleanup_settle_time": "8"]])
                    try await session.insertRows(500, into: "SAMPLE", of: source)
                    let (token, storageURL) = try await swift.authenticate()
                    let id = UUID().uuidString.lowercased()
                    try await source.createBackup(id: id, context: swift.context(token: token, storageURL: proxy.through(storageURL)))
                    try await waitFor("the manifest PUT is on its way", timeout: 60) { try await proxy.stats().held >= 1 }
                    #expect(await source.daemon.stop(signal: SIGKILL) != 0)
                    try await source.start()
                    let end = try await session.waitForEnd(id, timeout: 60)
                    #expect(end["state"] == "FAILED")
                    let note = try #require(end["note"]?.stringValue)
                    #expect(note.contains("manifest"), "the note names the step the agent was in: \(note)")
                    #expect(!note.contains("db2ckbkp"), "\(note)")
                    try await waitFor("recovery is over (the journal is empty)", timeout: 90) { journal(source).isEmpty }
                    #expect(try await swift.list(container: session.container).filter { $0.hasPrefix(id) }.isEmpty)
                }
            }
        }

        @Test func aSwiftOutageLongerThanTheRetryBudgetFailsOnceAndNothingStaysWhileTheAgentRuns() async throws {
            try await BackupTestSession.run { session in
                try await withPrivateSwift(session) { swift, _ in
                    let (source, second) = try await session.instanceWithTwoDatabases(
                        config: ["DEFAULT": ["storage_retry_timeout": "3", "storage_cleanup_settle_time": "1"]])
                    try await source.fault(["add", "--match", "BACKUP DATABASE \(second)", "--at", "start", "--hang", "120"])
                    let (token, storageURL) = try await swift.authenticate()
                    let id = UUID().uuidString.lowercased()
                    try await source.createBackup(id: id, context: swift.context(token: token, storageURL: storageURL))
                    try await waitFor("segments of the first image are in Swift", timeout: 60) {
                        try await swift.list(container: session.container).contains("\(id)_00000001")
                    }
                    try await swiftStore(swift, "kill-proxy")
                    try await source.fault(["clear"])
                    let end = try await session.waitForEnd(id, timeout: 120)
                    #expect(end["state"] == "FAILED", "\(end)")
                    try await swiftStore(swift, "start-proxy")

                    try await waitFor("the agent deletes the partial upload once Swift is back", timeout: 60) {
                        try await swift.list(container: session.container).filter { $0.hasPrefix(id) }.isEmpty
                    }
                    try await waitFor("the journal is empty") { journal(source).isEmpty }
                    #expect(source.daemon.isRunning, "no restart was needed")
                    #expect(session.states(id) == ["BUILDING", "FAILED"], "FAILED once: \(session.states(id))")
                }
            }
        }

        @Test func anExpiredTokenIsReplacedByTheNextRequestsToDeleteThePartialUpload() async throws {
            try await BackupTestSession.run { session in
                try await withPrivateSwift(session) { swift, _ in
                    let (source, second) = try await session.instanceWithTwoDatabases(
                        config: ["DEFAULT": ["storage_cleanup_settle_time": "1"]])
                    try await source.fault(["add", "--match", "BACKUP DATABASE \(second)", "--at", "start", "--hang", "120"])
                    let (token, storageURL) = try await swift.authenticate()
                    let id = UUID().uuidString.lowercased()
                    try await source.createBackup(id: id, context: swift.context(token: token, storageURL: storageURL))
                    try await waitFor("segments of the first image are in Swift", timeout: 60) {
                        try await swift.list(container: session.container).contains("\(id)_00000001")
                    }
                    try await swift.expire(token: token)
                    try await source.fault(["clear"])
                    let end = try await session.waitForEnd(id, timeout: 120)
                    #expect(end["state"] == "FAILED" && end["note"]?.stringValue?.contains("token") == true, "\(end)")
                    #expect(!(try await swift.list(container: session.container).filter { $0.hasPrefix(id) }.isEmpty),
                            "the expired token could not delete anything")

                    // The next request brings a valid token for the same account: the clean-up finishes with it.
                    let (fresh, _) = try await swift.authenticate()
                    let (next, done) = try await session.backup(source, context: swift.context(token: fresh, storageURL: storageURL))
                    #expect(done["state"] == "COMPLETED", "\(done)")
                    try await waitFor("the partial upload is deleted with the new token", timeout: 60) {
                        try await swift.list(container: session.container).filter { $0.hasPrefix(id) }.isEmpty
                    }
                    try await waitFor("the journal is empty") { journal(source).isEmpty }
                    #expect(session.states(id) == ["BUILDING", "FAILED"], "FAILED once: \(session.states(id))")
                    #expect(try await swift.list(container: session.container).contains("\(next).gz.enc"))
                }
            }
        }

        @Test func anExpiredTokenIsReplacedFromTheServiceCredentialsToDeleteThePartialUpload() async throws {
            try await BackupTestSession.run { session in
                try await withPrivateSwift(session) { swift, _ in
                    let (source, second) = try await session.instanceWithTwoDatabases(
                        config: [
                            "DEFAULT": ["storage_cleanup_settle_time": "1"],
                            "service_credentials": ["auth_url": swift.authURL, "username": swift.user, "password": swift.key],
                        ])
                    try await source.fault(["add", "--match", "BACKUP DATABASE \(second)", "--at", "start", "--hang", "120"])
                    let (token, storageURL) = try await swift.authenticate()
                    let id = UUID().uuidString.lowercased()
                    try await source.createBackup(id: id, context: swift.context(token: token, storageURL: storageURL))
                    try await waitFor("segments of the first image are in Swift", timeout: 60) {
                        try await swift.list(container: session.container).contains("\(id)_00000001")
                    }
                    try await swift.expire(token: token)
                    try await source.fault(["clear"])
                    let end = try await session.waitForEnd(id, timeout: 120)
                    #expect(end["state"] == "FAILED", "\(end)")
                    try await waitFor("the partial upload is deleted with the agent's own token", timeout: 60) {
                        try await swift.list(container: session.container).filter { $0.hasPrefix(id) }.isEmpty
                    }
                    try await waitFor("the journal is empty") { journal(source).isEmpty }
                    #expect(session.states(id) == ["BUILDING", "FAILED"], "FAILED once: \(session.states(id))")
                    #expect(!source.daemon.logText.contains(swift.key), "the service password is never logged")
                }
            }
        }

        @Test func anEightSecondSwiftOutageIsSurvived() async throws {
            try await BackupTestSession.run { session in
                try await withPrivateSwift(session) { swift, _ in
                    let (source, second) = try await session.instanceWithTwoDatabases()
                    try await source.fault(["add", "--match", "BACKUP DATABASE \(second)", "--at", "start", "--hang", "120"])
                    let (token, storageURL) = try await swift.authenticate()
                    let id = UUID().uuidString.lowercased()
                    try await source.createBackup(id: id, context: swift.context(token: token, storageURL: storageURL))
                    try await waitFor("segments of the first image are in Swift", timeout: 60) {
                        try await swift.list(container: session.container).contains("\(id)_00000001")
                    }
                    try await swiftStore(swift, "kill-proxy")
                    let down = ContinuousClock.now
                    try await source.fault(["clear"])
                    _ = try await source.daemon.waitForLog("retrying", timeout: 60)
                    // The outage itself: Swift stays down 8 s (the scenario, not a synchronisation).
                    try await Task.sleep(until: down + .seconds(8))
                    try await swiftStore(swift, "start-proxy")
                    let end = try await session.waitForEnd(id, timeout: 120)
                    #expect(end["state"] == "COMPLETED", "\(end)")
                    let checksum = try #require(end["checksum"]?.stringValue)
                    #expect(try await swift.head(container: session.container, object: "\(id).gz.enc").etag == checksum)
                }
            }
        }

        /// Runs `body` with a tmpfs mounted on `path` (created if missing), unmounted afterwards whatever happens.
        private func withTmpfs(at path: String, _ body: () async throws -> Void) async throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let mounted = try await ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", path])
            guard mounted.succeeded else {
                throw BackupTestFailure("this test needs root to mount a tmpfs on \(path): \(mounted.stderr)")
            }
            do { try await body() } catch {
                _ = try? await ProcessRunner.run("/bin/umount", ["-l", path])
                throw error
            }
            _ = try await ProcessRunner.run("/bin/umount", ["-l", path])
        }

        @Test func aBackupDirectoryThatIsAMountPointIsEmptiedNotRemoved() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance()
                try await session.insertRows(300, into: "SAMPLE", of: source)
                let context = try await session.context()
                try await withTmpfs(at: source.backupDirectory) {
                    let (id, end) = try await session.backup(source, context: context)
                    #expect(end["state"] == "COMPLETED", "\(end)")
                    let mounts = try String(contentsOfFile: "/proc/mounts", encoding: .utf8)
                    #expect(mounts.contains(" \(source.backupDirectory) "), "the mount point is still mounted")
                    #expect((try FileManager.default.contentsOfDirectory(atPath: source.backupDirectory)).isEmpty, "and empty")

                    let target = try await session.instance()
                    try await withTmpfs(at: target.backupDirectory) {
                        try await target.start()
                        let status = try await target.prepare(
                            databases: [], backupInfo: BackupTestSession.restoreInfo(id, end, for: target), context: context,
                            conductor: session.conductor)
                        #expect(status == "running")
                        #expect(try await target.ids(in: "ROWS", database: "SAMPLE") == Array(1...300))
                        #expect((try FileManager.default.contentsOfDirectory(atPath: target.backupDirectory)).isEmpty)
                        _ = await target.daemon.stop()
                    }
                }
                _ = await source.daemon.stop()
            }
        }

        @Test func aRestoreFromSwappedOrRewrittenSegmentsNamesTheBadObject() async throws {
            try await BackupTestSession.run { session in
                // Segments of 2 MiB, more than a download buffers ahead (16 chunks of 64 KiB): the decoder reads a
                // segment's first bytes before its last byte, and so its MD5, has arrived.
                let large = ["DEFAULT": ["backup_segment_max_size": "2097152", "backup_chunk_size": "65536"]]
                let source = try await session.preparedInstance(config: large)
                try await session.insertIncompressibleRows(512, into: "SAMPLE", of: source)
                let context = try await session.context()
                let (id, end) = try await session.backup(source, context: context)
                #expect(end["state"] == "COMPLETED")
                #expect(try await session.storedObjects(of: id).contains("\(id)_00000002"), "at least three segments")

                /// Restores the backup into a fresh guest: prepare fails, and the log's error names `segment`.
                func restoreFailsNaming(_ segment: String) async throws {
                    let target = try await session.instance(config: large)
                    try await target.start()
                    let status = try await target.prepare(
                        databases: [], backupInfo: BackupTestSession.restoreInfo(id, end, for: target), context: context,
                        conductor: session.conductor)
                    #expect(status == "failed to spawn")
                    let failure = try await target.daemon.waitForLog("restore failed")
                    #expect(failure.line.contains(segment), "the log names the bad segment \(segment): \(failure.line)")
                    #expect(failure.line.contains("corrupt"), "\(failure.line)")
                    _ = await target.daemon.stop()
                }

                // Two full segments swapped in place: every byte is a backup's byte, in the wrong order.
                try await session.swift.swap(container: session.container, "\(id)_00000000", "\(id)_00000001")
                try await restoreFailsNaming("\(id)_00000000")
                try await session.swift.swap(container: session.container, "\(id)_00000000", "\(id)_00000001")
                // A segment rewritten with as many other bytes.
                try await session.swift.corrupt(container: session.container, segment: "\(id)_00000001")
                try await restoreFailsNaming("\(id)_00000001")
            }
        }
    }
}
