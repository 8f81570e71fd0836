/// What one database's online backup will need on disk: the database (`GET_DBSIZE_INFO`'s DATABASESIZE) plus the
/// log it carries (`SYSIBMADM.LOG_UTILIZATION`'s TOTAL_LOG_USED_KB).
public struct BackupSizeEstimate: Sendable, Equatable {
    public let database: DatabaseName
    public let databaseBytes: Int64
    public let logBytes: Int64

    public init(database: DatabaseName, databaseBytes: Int64, logBytes: Int64) {
        self.database = database
        self.databaseBytes = databaseBytes
        self.logBytes = logBytes
    }

    public var totalBytes: Int64 { databaseBytes + logBytes }
}
