import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The DB2 manager as the backup and restore jobs see it (``DB2BackupOperations``): names and images translated,
/// nothing else added. Cancelling a job's task kills the running `db2` (the manager's process groups).
public struct BackupDB2Adapter: DB2BackupOperations {
    public let manager: DB2Manager

    public init(_ manager: DB2Manager) { self.manager = manager }

    public func databaseNames() async throws -> [String] {
        try await manager.databases().map(\.value)
    }

    public func backupSizeEstimate(of database: String) async throws -> DB2BackupSizeEstimate {
        let estimate = try await manager.estimateBackupSize(of: DatabaseName(database))
        return DB2BackupSizeEstimate(databaseBytes: estimate.databaseBytes, logBytes: estimate.logBytes)
    }

    public func ensureRecoverable() async throws -> [String] {
        try await manager.ensureRecoverable().repaired.map(\.description)
    }

    public func backupOnline(_ database: String, to directory: String) async throws -> DB2BackupImage {
        let image = try await manager.onlineBackup(of: DatabaseName(database), to: directory)
        return Self.image(image, completedAt: Date())
    }

    public func backupOffline(_ databases: [String], to directory: String) async throws -> [DB2BackupImage] {
        let names = try databases.map { name throws(DB2Error) in try DatabaseName(name) }
        let images = try await manager.offlineBackup(of: names, to: directory)
        let now = Date()
        return images.map { Self.image($0, completedAt: now) }
    }

    public func unquiesce() async throws {
        try await manager.unquiesceInstance()
    }

    public func verify(_ image: DB2BackupImage) async throws {
        try await manager.verifyImage(try Self.managerImage(image))
    }

    public func removeArchivedLogs(carriedBy image: DB2BackupImage) async throws -> Int {
        guard let cutoff = image.completedAt else { return 0 }
        return try await manager.removeArchivedLogs(of: DatabaseName(image.database), archivedBefore: cutoff).count
    }

    public func backupImages(in directory: String) async throws -> [DB2BackupImage] {
        try await manager.listImages(in: directory).map { Self.image($0, completedAt: nil) }
    }

    public func restoreOnline(_ image: DB2BackupImage, logTarget: String) async throws {
        try await manager.restoreOnline(try Self.managerImage(image), logDirectory: logTarget)
    }

    public func restoreOffline(_ image: DB2BackupImage) async throws {
        try await manager.restoreOffline(try Self.managerImage(image))
    }

    static func image(_ image: BackupImage, completedAt: Date?) -> DB2BackupImage {
        DB2BackupImage(
            database: image.database.value, timestamp: image.timestamp, path: image.path, completedAt: completedAt)
    }

    /// The manager's image for a path (the file name carries database, instance and timestamp).
    static func managerImage(_ image: DB2BackupImage) throws -> BackupImage {
        guard let parsed = BackupImage(path: image.path) else {
            throw DB2Error.invalid("\(image.path) is not named like a DB2 backup image", step: "read the image name")
        }
        return parsed
    }
}
