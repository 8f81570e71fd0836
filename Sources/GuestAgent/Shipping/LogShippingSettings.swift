import BackupStream
import FoundationEssentials

/// How archived logs are shipped (`[db2] log_shipping`, `log_ship_interval`, `log_retention_days`), with the
/// backup settings' store, stream format and directories.
public struct LogShippingSettings: Sendable {
    /// The guest's id (`guest_id`): shipped logs go under `db2logs/<it>/`.
    public var instanceID: String
    /// `<mount_point>/ArchiveLogs`: where Db2 archives (LOGARCHMETH1).
    public var archiveDirectory: String
    /// The longest a written database goes without an archived log.
    public var interval: Duration
    /// Days after which the store expires a shipped log (`X-Delete-At`); nil: never.
    public var retentionDays: Int?
    /// `<state_dir>/log-shipping.json`'s directory.
    public var stateDirectory: String

    public init(
        instanceID: String, archiveDirectory: String, interval: Duration, retentionDays: Int?, stateDirectory: String
    ) {
        self.instanceID = instanceID
        self.archiveDirectory = archiveDirectory
        self.interval = interval
        self.retentionDays = retentionDays
        self.stateDirectory = stateDirectory
    }
}
