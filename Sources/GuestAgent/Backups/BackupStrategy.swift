/// How backups are taken, by Trove's runner names: the `backup_type` reported, and restored by.
public enum BackupStrategy: String, Sendable, Equatable {
    /// Quiesce the instance, back up each database offline, unquiesce.
    case offline = "DB2OfflineBackup"
    /// `BACKUP DATABASE ... ONLINE ... INCLUDE LOGS`: applications stay connected; needs archive logging.
    case online = "DB2OnlineBackup"
}

/// Where backups are stored.
public enum BackupStore: String, Sendable, Equatable {
    /// OpenStack Swift (Trove's), with the request's credentials.
    case swift = "SwiftStorage"
    /// A local directory with the same layout (the agent's own; demos and tests).
    case local = "LocalStorage"
}
