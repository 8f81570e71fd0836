/// What one database's backup will need on disk: the database (`GET_DBSIZE_INFO`'s DATABASESIZE, table spaces
/// only) and, for an online image, the log it carries.
public struct BackupSizeEstimate: Sendable, Equatable {
    public let database: DatabaseName
    public let databaseBytes: Int64
    /// The log an online image carries, in bytes.
    public let logBytes: Int64

    public init(database: DatabaseName, databaseBytes: Int64, logBytes: Int64) {
        self.database = database
        self.databaseBytes = databaseBytes
        self.logBytes = logBytes
    }

    /// The estimate from Db2's figures: the log held by open work (TOTAL_LOG_USED_KB) rounded up to whole log files
    /// of `logFilePages` 4 KB pages (LOGFILSIZ), plus the one file the backup's own log records go to: an online
    /// image with INCLUDE LOGS carries at least one log file even of an idle database. Sums saturate rather than
    /// overflow.
    public init(database: DatabaseName, databaseBytes: Int64, openLogKB: Int64, logFilePages: Int64) {
        let fileBytes = Self.saturating(max(1, logFilePages), 4096)
        let openBytes = Self.saturating(max(0, openLogKB), 1024)
        let openFiles = openBytes / fileBytes + (openBytes % fileBytes == 0 ? 0 : 1)
        self.init(
            database: database, databaseBytes: databaseBytes, logBytes: Self.saturating(openFiles + 1, fileBytes))
    }

    public var totalBytes: Int64 {
        let (sum, overflow) = databaseBytes.addingReportingOverflow(logBytes)
        return overflow ? .max : sum
    }

    private static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }
}
