#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// What the backup and restore jobs need from DB2: the narrow face of the DB2 manager they drive.
///
/// Every operation may take long (a backup of a large database, a rollforward); each must honour task
/// cancellation by stopping the DB2 tool it runs (its process group), so that an aborted backup leaves nothing
/// running. Errors should name the database and DB2's message (`SQLnnnnN ...`): they become the note the
/// conductor records and the log line an operator reads.
public protocol DB2BackupOperations: Sendable {
    /// The databases of the instance, as DB2 names them (upper case), in a stable order.
    func databaseNames() async throws -> [String]

    /// What a backup of `database` will need on disk: its size (`GET_DBSIZE_INFO`) and the log it will carry
    /// (`SYSIBMADM.LOG_UTILIZATION`).
    func backupSizeEstimate(of database: String) async throws -> DB2BackupSizeEstimate

    /// Makes every database recoverable (archive logging on, no BACKUP PENDING), repairing what it can.
    ///
    /// - Returns: one line per repair made (empty when nothing needed repair).
    /// - Throws: when a database is not recoverable and cannot be made so.
    func ensureRecoverable() async throws -> [String]

    /// `BACKUP DATABASE <database> ONLINE TO <directory> INCLUDE LOGS`: applications stay connected.
    ///
    /// - Returns: the image written.
    func backupOnline(_ database: String, to directory: String) async throws -> DB2BackupImage

    /// Offline backup of `databases`: quiesce the instance, back up each database to `directory`, unquiesce
    /// (also when a backup fails).
    ///
    /// - Returns: the images written, one per database.
    func backupOffline(_ databases: [String], to directory: String) async throws -> [DB2BackupImage]

    /// `UNQUIESCE INSTANCE`, outside any backup: after a crash or an abort that may have left an offline backup's
    /// quiesce in place. Harmless when the instance is not quiesced.
    func unquiesce() async throws

    /// `db2ckbkp`: reads the whole image and checks it.
    func verify(_ image: DB2BackupImage) async throws

    /// Removes the archived log files that `image` carries (they are in the stored backup now).
    ///
    /// - Returns: the number of files removed.
    func removeArchivedLogs(carriedBy image: DB2BackupImage) async throws -> Int

    /// The backup images in `directory` (files `ALIAS.0.<instance>.DBPART000.<timestamp>.001`).
    func backupImages(in directory: String) async throws -> [DB2BackupImage]

    /// Restores an online image: `RESTORE DATABASE ... FROM <image directory> TAKEN AT <timestamp> LOGTARGET
    /// <logTarget> REPLACE EXISTING WITHOUT PROMPTING`, then `ROLLFORWARD DATABASE ... TO END OF BACKUP AND
    /// COMPLETE OVERFLOW LOG PATH (<logTarget>)`. `logTarget` exists and is empty.
    func restoreOnline(_ image: DB2BackupImage, logTarget: String) async throws

    /// Restores an offline image (no rollforward: the database is usable at once).
    func restoreOffline(_ image: DB2BackupImage) async throws
}

/// Disk space a database's backup needs, in bytes.
public struct DB2BackupSizeEstimate: Sendable, Equatable {
    /// The database's size (`GET_DBSIZE_INFO` DATABASESIZE).
    public var databaseBytes: Int64
    /// Active log in use (`TOTAL_LOG_USED_KB` × 1024): what `INCLUDE LOGS` adds at most.
    public var logBytes: Int64

    public init(databaseBytes: Int64, logBytes: Int64) {
        self.databaseBytes = databaseBytes
        self.logBytes = logBytes
    }

    /// Both together.
    public var totalBytes: Int64 { databaseBytes + logBytes }
}

/// A backup image file written by `BACKUP DATABASE`.
public struct DB2BackupImage: Sendable, Equatable, CustomStringConvertible {
    /// The database alias, upper case (the file name's first part).
    public var database: String
    /// `yyyymmddhhmmss`, as `TAKEN AT` wants it.
    public var timestamp: String
    /// The image file's absolute path.
    public var path: String
    /// When the backup that wrote it ended (logs archived before then are in the image), when known.
    public var completedAt: Date?

    public init(database: String, timestamp: String, path: String, completedAt: Date? = nil) {
        self.database = database
        self.timestamp = timestamp
        self.path = path
        self.completedAt = completedAt
    }

    /// The file name (`SAMPLE.0.db2inst1.DBPART000.20260101120000.001`).
    public var fileName: String { path.split(separator: "/").last.map(String.init) ?? path }

    /// The directory holding the image.
    public var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public var description: String { "\(database) image \(timestamp)" }
}
