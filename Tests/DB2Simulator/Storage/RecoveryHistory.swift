import Foundation

/// What a backup image holds: every page (full), the changes since the last full backup (INCREMENTAL, cumulative),
/// or the changes since the last backup of any kind (INCREMENTAL DELTA) (IBM, *BACKUP DATABASE command*,
/// https://www.ibm.com/docs/en/db2/11.1?topic=commands-backup-database).
enum BackupKind: String, Codable, Equatable, Sendable {
    case full
    case incremental
    case delta

    /// The backup type letter of the recovery history (LIST HISTORY's "Type", DB_HISTORY's OPERATIONTYPE): F
    /// offline, N online, I incremental offline, O incremental online, D delta offline, E delta online (IBM,
    /// *LIST HISTORY command*, https://ibm.com/support/knowledgecenter/ja/SSEPGG_11.1.0/com.ibm.db2.luw.admin.cmd.doc/doc/r0001991.html).
    func historyType(online: Bool) -> String {
        switch self {
        case .full: online ? "N" : "F"
        case .incremental: online ? "O" : "I"
        case .delta: online ? "E" : "D"
        }
    }
}

/// A successful backup as modification tracking remembers it: when it started and how much of each data file it
/// covered (rows are only appended to a data file, and a DELETE writes a new one, so the bytes past these lengths,
/// and any file not listed, are exactly what changed since).
struct BackupRecord: Codable, Equatable, Sendable {
    var timestamp: String
    var kind: BackupKind
    var fileLengths: [String: Int64]
}

/// TRACKMOD in effect: the backups an INCREMENTAL or DELTA can be based on. Absent while TRACKMOD is off (or not yet
/// in effect); both records are nil until the first full backup after it took effect ("After setting this parameter
/// to Yes, you must take a full database backup in order to have a baseline against which incremental backups can
/// be taken", IBM, *trackmod*, https://www.ibm.com/docs/en/SSCJDQ/com.ibm.db2.luw.admin.config.doc/doc/r0004469.html).
struct ModificationTracking: Codable, Equatable, Sendable {
    var lastFull: BackupRecord?
    var lastBackup: BackupRecord?
}

/// An entry of the database's recovery history file (`db2rhist.asc`), as LIST HISTORY and SYSIBMADM.DB_HISTORY show
/// it.
struct HistoryEntry: Codable, Equatable, Sendable {
    var eid: Int64
    /// `B` backup, `R` restore.
    var operation: String
    /// See ``BackupKind/historyType(online:)``.
    var operationType: String
    /// yyyymmddhhmmss: a backup's image timestamp, a restore's start.
    var startTime: String
    var endTime: String
    var firstLog: String?
    var lastLog: String?
    /// A restore: the timestamp of the image it restored.
    var backupID: String?
    var comment: String
    var location: String
    /// `D` disk.
    var deviceType: String
    var sqlcode: Int?
}

/// A manual incremental restore under way (IBM, *Restoring from incremental backup images*,
/// http://www.ibm.com/support/knowledgecenter/SSEPGG_11.1.0/com.ibm.db2.luw.admin.ha.doc/doc/t0006070.html): the
/// target image was read once (catalog, configuration, history); the full image and each incremental or delta
/// image follow, and reading the target again completes it.
struct IncrementalRestoreProgress: Codable, Equatable, Sendable {
    var targetTimestamp: String
    var seed: UInt32
    /// Images applied so far, oldest first; empty until the full image (the baseline) is restored.
    var restored: [String]
}
