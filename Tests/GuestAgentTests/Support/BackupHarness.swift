import AgentSupport
import BackupStream
import Foundation
import GuestAgent
import Logging
import ObjectStorage
import OsloRPC
import Synchronization
import TestSupport
import TroveConfig

/// One guest for the backup tests: a mount point, a state directory and a local store in a temporary directory,
/// the fake DB2, a recording conductor and a ``BackupCoordinator`` over them.
final class BackupHarness: Sendable {
    static let key = "harness-aes-key"

    let root: URL
    let db2: FakeDB2
    let publisher = RecordingPublisher()
    let coordinator: BackupCoordinator
    let settings: BackupSettings
    let logs: LogRecorder
    /// The free space the coordinator sees (the real file system's is what the fake DB2 writes to).
    let available: AvailableSpace

    final class AvailableSpace: Sendable {
        private let bytes: Mutex<Int64>
        init(_ bytes: Int64) { self.bytes = Mutex(bytes) }
        var value: Int64 {
            get { bytes.withLock { $0 } }
            set { bytes.withLock { $0 = newValue } }
        }
    }

    /// - Parameters:
    ///   - store: the local store's directory (shared by two harnesses to restore one's backup into the other).
    init(
        root: URL, strategy: BackupStrategy = .online, databases: [String: [UInt8]] = [:],
        store: URL? = nil, segmentSize: Int64 = 64 * 1024, verifyImages: Bool = true,
        availableBytes: Int64 = 1 << 40
    ) throws {
        self.root = root
        db2 = FakeDB2(databases: databases)
        let mount = root.appendingPathComponent("mount")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        let storage = BackupStorageSettings(
            strategy: .local, localPath: (store ?? root.appendingPathComponent("store")).path,
            configuration: StorageConfiguration(
                container: "database_backups", segmentSize: segmentSize, chunkSize: 16 * 1024,
                retry: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(2))))
        settings = BackupSettings(
            strategy: strategy, mountPoint: mount.path, verifyImages: verifyImages,
            pack: BackupPackOptions(encryptionKey: Secret(Self.key), blockSize: 64 * 1024, parallelism: 2),
            unpack: BackupUnpackOptions(decryptionKey: Secret(Self.key), parallelism: 2), storage: storage,
            stateDirectory: root.appendingPathComponent("state").path, progressInterval: .milliseconds(20),
            reportDeadline: .seconds(5))
        let logs = LogRecorder()
        let logger = logs.logger()
        self.logs = logs
        let available = AvailableSpace(availableBytes)
        self.available = available
        coordinator = BackupCoordinator(
            settings: settings, database: db2, conductor: publisher.makeConductor(), logger: logger,
            space: { [backupDirectory = settings.backupDirectory] path in
                // A small disk: what the images in the backup directory take is no longer available.
                guard let real = BackupSpace.of(path: path) else { return nil }
                let names = (try? FileManager.default.contentsOfDirectory(atPath: backupDirectory)) ?? []
                let imageBytes = names.reduce(Int64(0)) { total, name in
                    let size = (try? FileManager.default.attributesOfItem(atPath: backupDirectory + "/" + name)[.size]) as? Int
                    return total + Int64(size ?? 0)
                }
                return BackupSpace(usedBytes: real.usedBytes, availableBytes: available.value - imageBytes)
            })
    }

    var storeDirectory: String { settings.storage.localPath + "/database_backups" }

    /// Names in the local store's container.
    func storedNames() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: storeDirectory)) ?? []).sorted()
    }

    var journalFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: settings.journalDirectory)) ?? []).sorted()
    }

    var backupDirectoryExists: Bool { FileManager.default.fileExists(atPath: settings.backupDirectory) }

    func backupInfo(_ id: String) -> [String: JSONValue] {
        ["id": .string(id), "name": "nightly", "instance_id": "guest-1", "datastore": "db2", "datastore_version": "11.5",
         "backup_type": nil, "checksum": nil, "parent": nil]
    }

    static let context = RequestContext(values: [
        "auth_token": "user-token", "tenant": "tenant-1", "request_id": "req-1", "user": "alice",
    ])

    /// The last `update_backup` for `id`.
    func finalUpdate(_ id: String) -> [String: JSONValue]? {
        publisher.backupUpdates.last { $0["backup_id"]?.stringValue == id }
    }

    /// A harness in `<base>/first` (its store in `<base>/store`) that backed up one database; and the COMPLETED
    /// fields.
    static func completedBackup(_ id: String, in base: URL) async throws -> (BackupHarness, [String: JSONValue]) {
        let first = try BackupHarness(
            root: base.appendingPathComponent("first"), databases: ["SAMPLE": rows(1_000)],
            store: base.appendingPathComponent("store"))
        try await first.coordinator.createBackup(backupInfo: first.backupInfo(id), context: context)
        guard let done = first.finalUpdate(id), done["state"] == "COMPLETED" else {
            throw FakeDB2.Failure(description: "backup \(id) did not complete: \(String(describing: first.finalUpdate(id)))")
        }
        return (first, done)
    }

    /// Whether a backup ended `COMPLETED`.
    static func completed(_ outcome: BackupOutcome?) -> Bool {
        if case .completed = outcome { return true }
        return false
    }

    /// Test data that compresses a little (rows of text).
    static func rows(_ count: Int, seed: Int = 0) -> [UInt8] {
        var text = ""
        for row in 0..<count { text += "\(row + seed)|customer-\((row * 7919 + seed) % 10007)|ACTIVE\n" }
        return Array(text.utf8)
    }
}
