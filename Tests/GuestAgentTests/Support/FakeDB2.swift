import Foundation
import DB2
import GuestAgent
import Synchronization

/// A DB2 stand-in for the backup job's unit tests: databases are byte strings; a backup writes an image file
/// (`NAME.0.fake.DBPART000.<timestamp>.001` holding a header and the bytes) and a restore reads it back. Each
/// step can be made to fail, or to wait at a gate the test opens.
final class FakeDB2: DB2BackupOperations {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private struct State {
        var databases: [String: [UInt8]] = [:]
        var restored: [String: [UInt8]] = [:]
        var backupFailures: [String: String] = [:]
        var gates: [String: Gate] = [:]
        var recoverabilityFailure: String?
        var verifyFailure: String?
        var calls: [String] = []
        var logRemovals: [String] = []
        var history: [String: [BackupHistoryEntry]] = [:]
        var restoreLogTargets: [String] = []
        var nextTimestamp = 20_260_101_120_000 as Int64
        var logBytes: Int64 = 4096
        var filesAtBackupStart: [String: [String]] = [:]
        var verifyGate: Gate?
    }

    private let state = Mutex(State())

    init(databases: [String: [UInt8]] = [:]) {
        state.withLock { $0.databases = databases }
    }

    // MARK: - Test controls

    func setDatabase(_ name: String, _ bytes: [UInt8]) { state.withLock { $0.databases[name] = bytes } }
    func failBackup(of name: String, with message: String) { state.withLock { $0.backupFailures[name] = message } }
    func failRecoverability(with message: String) { state.withLock { $0.recoverabilityFailure = message } }
    func failVerification(with message: String) { state.withLock { $0.verifyFailure = message } }

    /// A backup of `name` the agent did not take (an operator's, or one to /dev/null): Db2's history has it.
    func recordOutOfBandBackup(of name: String, kind: BackupImageKind) {
        state.withLock { state in
            state.nextTimestamp += 1
            state.history[name, default: []].append(
                BackupHistoryEntry(timestamp: String(state.nextTimestamp), kind: kind, online: false, location: "/dev/null"))
        }
    }

    /// The next backup of `name` waits at the returned gate (after `gate.reached` fires) until it is opened.
    func holdBackup(of name: String) -> Gate {
        let gate = Gate()
        state.withLock { $0.gates[name] = gate }
        return gate
    }

    /// The next `db2ckbkp` waits at the returned gate until it is opened.
    func holdVerification() -> Gate {
        let gate = Gate()
        state.withLock { $0.verifyGate = gate }
        return gate
    }

    var calls: [String] { state.withLock { $0.calls } }
    /// What the backup directory held when each database's backup started.
    var filesAtBackupStart: [String: [String]] { state.withLock { $0.filesAtBackupStart } }
    var restored: [String: [UInt8]] { state.withLock { $0.restored } }
    var logRemovals: [String] { state.withLock { $0.logRemovals } }
    var restoreLogTargets: [String] { state.withLock { $0.restoreLogTargets } }

    // MARK: - DB2BackupOperations

    func databases() async throws -> [DatabaseName] {
        try state.withLock { $0.databases.keys.sorted() }.map { try DatabaseName($0) }
    }

    func estimateBackupSize(of database: DatabaseName) async throws -> BackupSizeEstimate {
        try state.withLock { state in
            guard let bytes = state.databases[database.value] else {
                throw Failure(description: "SQL1013N \(database) not found")
            }
            return BackupSizeEstimate(database: database, databaseBytes: Int64(bytes.count), logBytes: state.logBytes)
        }
    }

    func ensureRecoverable() async throws -> RecoverabilityReport {
        try state.withLock { state in
            state.calls.append("ensureRecoverable")
            if let message = state.recoverabilityFailure { throw Failure(description: message) }
            return RecoverabilityReport(entries: [])
        }
    }

    func ensureChangeTracking(of database: DatabaseName) async throws -> Bool { true }

    func logPosition(of database: DatabaseName) async -> LogPosition? {
        LogPosition(chain: "C0000000", firstActiveLog: state.withLock { Int($0.nextTimestamp % 1000) })
    }

    func backupHistory(of database: DatabaseName) async throws -> [BackupHistoryEntry] {
        state.withLock { $0.history[database.value] ?? [] }
    }

    func onlineBackup(of database: DatabaseName, to directory: String, kind: BackupImageKind) async throws -> BackupImage {
        try await backup(database.value, to: directory, online: true, kind: kind)
    }

    func offlineBackup(
        of databases: [DatabaseName], to directory: String, kinds: [DatabaseName: BackupImageKind]
    ) async throws -> [BackupImage] {
        state.withLock { $0.calls.append("QUIESCE") }
        defer { state.withLock { $0.calls.append("UNQUIESCE") } }
        var images: [BackupImage] = []
        for name in databases {
            images.append(try await backup(name.value, to: directory, online: false, kind: kinds[name] ?? .full))
        }
        return images
    }

    private func backup(
        _ database: String, to directory: String, online: Bool, kind: BackupImageKind
    ) async throws -> BackupImage {
        let present = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        state.withLock { $0.filesAtBackupStart[database] = present }
        let (gate, failure, bytes, timestamp) = state.withLock { state in
            state.calls.append("BACKUP \(database)\(online ? " ONLINE" : "")\(kind.backupClause)")
            state.nextTimestamp += 1
            return (
                state.gates.removeValue(forKey: database), state.backupFailures[database], state.databases[database],
                String(state.nextTimestamp)
            )
        }
        let path = "\(directory)/\(database).0.fake.DBPART000.\(timestamp).001"
        if let gate {
            // Half an image is on disk while the backup runs, as with DB2.
            try Data(Self.header(database, timestamp) + (bytes ?? []).prefix(10)).write(to: URL(fileURLWithPath: path + ".part"))
            gate.reached.fire()
            try await gate.waitUntilOpened()
        }
        try? FileManager.default.removeItem(atPath: path + ".part")
        if let failure { throw Failure(description: failure) }
        guard let bytes else { throw Failure(description: "SQL1013N The database alias name \(database) could not be found.") }
        try Data(Self.header(database, timestamp) + bytes).write(to: URL(fileURLWithPath: path))
        guard var image = BackupImage(path: path) else { throw Failure(description: "\(path) is no image name") }
        image.completedAt = Date()
        image.kind = kind
        state.withLock {
            $0.history[database, default: []].append(
                BackupHistoryEntry(timestamp: timestamp, kind: kind, online: online, location: directory))
        }
        return image
    }

    func unquiesceInstance() async throws {
        state.withLock { $0.calls.append("UNQUIESCE") }
    }

    func verifyImage(_ image: BackupImage) async throws {
        let gate = state.withLock { state in
            state.calls.append("db2ckbkp \(image.database)")
            defer { state.verifyGate = nil }
            return state.verifyGate
        }
        if let gate {
            gate.reached.fire()
            try await gate.waitUntilOpened()
        }
        try state.withLock { state in
            if let message = state.verifyFailure { throw Failure(description: message) }
        }
        guard FileManager.default.fileExists(atPath: image.path) else { throw Failure(description: "no image \(image.path)") }
    }

    func removeArchivedLogs(of database: DatabaseName, archivedBefore cutoff: Date) async throws -> [String] {
        state.withLock { $0.logRemovals.append(database.value) }
        return ["S0000001.LOG", "S0000002.LOG"]
    }

    func listImages(in directory: String) async throws -> [BackupImage] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().compactMap { BackupImage(path: "\(directory)/\($0)") }
    }

    func restoreOnline(_ image: BackupImage, logDirectory: String, until target: RollforwardTarget) async throws {
        let entries = try FileManager.default.contentsOfDirectory(atPath: logDirectory)
        guard entries.isEmpty else { throw Failure(description: "SQL2581N log target \(logDirectory) is not empty") }
        state.withLock { $0.restoreLogTargets.append(logDirectory) }
        try restore(image, online: true)
    }

    func restoreOffline(_ image: BackupImage) async throws {
        try restore(image, online: false)
    }

    func restoreIncremental(
        _ target: BackupImage, chain: [BackupImage], online: Bool, logDirectory: String, until point: RollforwardTarget
    ) async throws {
        state.withLock { $0.calls.append("RESTORE INCREMENTAL \(target.database) \(chain.map(\.timestamp))") }
        try restore(target, online: online)
    }

    private func restore(_ image: BackupImage, online: Bool) throws {
        let data = Array(try Data(contentsOf: URL(fileURLWithPath: image.path)))
        let header = Self.header(image.database.value, image.timestamp)
        guard data.starts(with: header) else { throw Failure(description: "SQL2530N The backup image is corrupted.") }
        state.withLock { state in
            state.calls.append("RESTORE \(image.database)\(online ? " + ROLLFORWARD" : "")")
            state.restored[image.database.value] = Array(data.dropFirst(header.count))
        }
    }

    static func header(_ database: String, _ timestamp: String) -> [UInt8] { Array("FAKEDB2 \(database) \(timestamp)\n".utf8) }
}

/// A one-shot event a test can wait for.
final class Signal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var fired: Bool { state.withLock { $0.fired } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.fired { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// Holds an operation until the test opens it (or the operation's task is cancelled).
final class Gate: Sendable {
    /// Fires when the operation reaches the gate.
    let reached = Signal()
    private let opened = Signal()

    func open() { opened.fire() }

    func waitUntilOpened() async throws {
        await withTaskCancellationHandler {
            await opened.wait()
        } onCancel: {
            opened.fire()
        }
        try Task.checkCancellation()
    }
}
