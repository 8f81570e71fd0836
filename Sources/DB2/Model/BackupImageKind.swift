/// What a DB2 backup image holds: the whole database, or only what changed since an earlier backup (IBM, *BACKUP
/// DATABASE*: `INCREMENTAL` holds the changes since the most recent successful full backup, `INCREMENTAL DELTA`
/// those since the most recent successful backup of any kind; both need `TRACKMOD YES`).
public enum BackupImageKind: String, Sendable, Hashable, CaseIterable {
    case full
    /// Cumulative: the changes since the last full backup Db2 knows of.
    case incremental
    /// The changes since the last backup of any kind Db2 knows of.
    case delta

    /// The words of `BACKUP DATABASE` that ask for this kind (empty for a full backup).
    public var backupClause: String {
        switch self {
        case .full: ""
        case .incremental: " INCREMENTAL"
        case .delta: " INCREMENTAL DELTA"
        }
    }

    /// The kind a `SYSIBMADM.DB_HISTORY` backup row stands for, from its OPERATIONTYPE (IBM, *DB_HISTORY
    /// administrative view*, and *LIST HISTORY*: F offline, N online, I incremental offline, O incremental online,
    /// D delta offline, E delta online), or nil for another code.
    public init?(historyOperationType code: String) {
        switch code.uppercased() {
        case "F", "N": self = .full
        case "I", "O": self = .incremental
        case "D", "E": self = .delta
        default: return nil
        }
    }
}
