/// The `[db2]` options (Trove's, plus the agent's own) and the DB2 paths derived from them as Trove derives them.
public struct DB2Options: Sendable, Equatable {
    /// How backups are taken; the name is also the `backup_type` reported to Trove and the restore strategy.
    public enum BackupStrategy: String, Sendable, Equatable {
        /// Quiesce the instance, back up each database offline, unquiesce.
        case offline = "DB2OfflineBackup"
        /// `BACKUP DATABASE ... ONLINE ... INCLUDE LOGS`; needs archive logging on every database.
        case online = "DB2OnlineBackup"
    }

    /// Where the data volume is mounted (DB2's local database directory).
    public let mountPoint: String
    /// Block device of the data volume.
    public let devicePath: String
    /// Whether the data lives on a Cinder volume.
    public let volumeSupport: Bool
    /// The configured strategy.
    public let backupStrategy: BackupStrategy
    /// Users that user operations neither list nor touch (as configured; compare without regard to case).
    public let ignoreUsers: [String]
    /// Guest logs users may publish (`guest_log_exposed_logs`, split at commas).
    public let guestLogExposedLogs: [String]
    /// Length of generated passwords.
    public let defaultPasswordLength: Int
    /// OS user owning the DB2 instance.
    public let instanceOwner: String
    /// Home directory of ``instanceOwner`` (holds `sqllib/db2profile`).
    public let instanceHome: String
    /// Check images with `db2ckbkp` before shipping them.
    public let verifyBackupImages: Bool
    /// Ship archived logs to the backup store (`log_shipping`).
    public let logShipping: Bool
    /// The longest a written database goes without a log archived (`log_ship_interval`).
    public let logShipInterval: Duration
    /// Days after which the store expires a shipped log; nil: never (`log_retention_days` 0).
    public let logRetentionDays: Int?
    /// Limit for DB2 commands other than backup and restore.
    public let commandTimeout: Duration
    /// Limit for one database's backup.
    public let backupTimeout: Duration
    /// Limit for one database's restore and rollforward.
    public let restoreTimeout: Duration
    /// Limit for DB2 to start or stop (`[DEFAULT] state_change_wait_time`).
    public let stateChangeWaitTime: Duration
    /// Interval between status checks while waiting (`[DEFAULT] state_change_poll_time`).
    public let stateChangePollTime: Duration

    /// `<mount_point>/backup`: where backup images are written and restored from (Trove's `DB2_BACKUP_DIR`).
    public var backupDirectory: String { Self.join(mountPoint, "backup") }
    /// `<mount_point>/ArchiveLogs`: `LOGARCHMETH1` target and restore `LOGTARGET` (Trove's `DB2_ARCHIVE_LOGS_DIR`).
    public var archiveLogDirectory: String { Self.join(mountPoint, "ArchiveLogs") }
    /// `<instance_home>/sqllib/db2profile`: the script that sets up the DB2 environment.
    public var profilePath: String { Self.join(instanceHome, "sqllib/db2profile") }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

extension DB2Options {
    /// - Throws: ``ConfigError`` when `mount_point` or `instance_home` is not an absolute path.
    init(resolved: ResolvedOptions) throws(ConfigError) {
        typealias T = OptionTable
        mountPoint = try resolved.absolutePath(T.mountPoint)
        instanceHome = try resolved.absolutePath(T.instanceHome)
        devicePath = resolved[T.devicePath]
        volumeSupport = resolved[T.volumeSupport]
        backupStrategy = BackupStrategy(rawValue: resolved[T.backupStrategy]) ?? .offline
        ignoreUsers = resolved[T.ignoreUsers].filter { !$0.isEmpty }
        guestLogExposedLogs = resolved[T.guestLogExposedLogs].split(separator: ",")
            .map { String($0.trimmingWhitespace()) }.filter { !$0.isEmpty }
        defaultPasswordLength = resolved[T.defaultPasswordLength]
        instanceOwner = resolved[T.instanceOwner]
        verifyBackupImages = resolved[T.verifyBackupImages]
        logShipping = resolved[T.logShipping]
        if logShipping, backupStrategy != .online {
            throw resolved.error(
                T.logShipping, .invalidValue,
                "= True needs backup_strategy = DB2OnlineBackup: only archive logging leaves logs to ship")
        }
        logShipInterval = .seconds(resolved[T.logShipInterval])
        logRetentionDays = resolved[T.logRetentionDays] > 0 ? resolved[T.logRetentionDays] : nil
        commandTimeout = .seconds(resolved[T.commandTimeout])
        backupTimeout = .seconds(resolved[T.backupTimeout])
        restoreTimeout = .seconds(resolved[T.restoreTimeout])
        stateChangeWaitTime = .seconds(resolved[T.stateChangeWaitTime])
        stateChangePollTime = .seconds(resolved[T.stateChangePollTime])
    }
}

extension ResolvedOptions {
    /// The option's value, which must be an absolute path.
    func absolutePath(_ option: Option<String>) throws(ConfigError) -> String {
        let path = self[option]
        guard path.hasPrefix("/") else {
            throw error(option, .invalidValue, "= \"\(ConfigResolver.quoted(path))\": expected an absolute path")
        }
        return path
    }
}
