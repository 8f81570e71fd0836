import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// Backup and restore on a Swift that keeps three replicas of every object, one on each of three object
    /// servers, as a production Swift does: an object server stops in the middle of each.
    @Suite(.needsServices) struct ReplicatedSwiftTests {
        @Test func anObjectServerStoppedMidBackupAndAnotherMidRestoreLoseNothing() async throws {
            try await ScriptedService.run(
                script: ScriptedService.script("swift-store"), prefix: "swift-replicas", arguments: ["--replicas", "3"]
            ) { store in
                let proxyPort = try #require(Int(try store.value("SWIFT_PROXY_PORT")))
                let swift = BackupTestSwift(
                    authURL: try store.value("SWIFT_AUTH_URL"), user: try store.value("SWIFT_USER"),
                    key: try store.value("SWIFT_KEY"), python: try TestEnvironment.python(),
                    swiftDirectory: store.directory.path, storeScript: store.script)
                try await BackupTestSession.run { session in
                    let (source, second) = try await session.instanceWithTwoDatabases()
                    let (token, storageURL) = try await swift.authenticate()
                    let context = swift.context(token: token, storageURL: storageURL)

                    // The second database's backup waits while the first image streams to Swift; object server 1
                    // stops then, and everything after (the rest of the segments, the manifest) is written to the
                    // other two.
                    try await source.fault(["add", "--match", "BACKUP DATABASE \(second)", "--at", "start", "--hang", "120"])
                    let id = UUID().uuidString.lowercased()
                    try await source.createBackup(id: id, context: context)
                    try await waitFor("the second database's backup starts") {
                        source.faultFired(matching: "BACKUP DATABASE \(second)") > 0
                    }
                    try await waitFor("segments of the first image are in Swift", timeout: 60) {
                        try await swift.list(container: session.container).contains("\(id)_00000001")
                    }
                    let storedBeforeStop = try await swift.list(container: session.container).filter { $0.hasPrefix(id) }
                    try await store.command("stop-object", ["1"])
                    try await source.fault(["clear"])
                    let end = try await session.waitForEnd(id)
                    #expect(session.states(id) == ["BUILDING", "COMPLETED"], "\(end)")
                    let object = "\(id).gz.enc"
                    #expect(try await swift.head(container: session.container, object: object).etag == end["checksum"]?.stringValue)
                    let stored = try await swift.list(container: session.container).filter { $0.hasPrefix(id) }
                    #expect(stored.count > storedBeforeStop.count + 1, "segments were written while server 1 was down")
                    // No replicator runs here: server 1 comes back without what was written while it was away.
                    try await store.command("start-object", ["1"])

                    // The restore reads through a gate that holds segment GETs from the third on; object server 2
                    // stops while they are held. The segments written during the first outage then exist on
                    // server 3 alone.
                    let gate = try await SegmentGate(python: try TestEnvironment.python(), upstreamPort: proxyPort, holdFrom: 2)
                    defer { gate.stop() }
                    let target = try await session.instance()
                    try await target.start()
                    let restoreContext = swift.context(
                        token: token, storageURL: gate.storageURL(replacing: storageURL, upstreamPort: proxyPort))
                    async let status = target.prepare(
                        databases: [], backupInfo: BackupTestSession.restoreInfo(id, end, for: target),
                        context: restoreContext, conductor: session.conductor)
                    try await waitFor("the restore reaches the third segment", timeout: 60) { !gate.held.isEmpty }
                    try await store.command("stop-object", ["2"])
                    try await gate.open()
                    #expect(try await status == "running")
                    #expect(!gate.answeredAfterOpening.isEmpty, "segments were read while server 2 was down")
                    #expect(try await target.ids(in: "ROWS", database: "ORDERS") == Array(1...3000))
                    #expect(try await target.ids(in: "ROWS", database: "SAMPLE") == Array(1...3000))
                    try await target.checkUsable("SAMPLE", table: "ROWS")
                    #expect(await source.daemon.stop() == 0)
                    #expect(await target.daemon.stop() == 0)
                }
            }
        }
    }
}
