/// What the DB2 manager needs to know: the instance, where its data lives, time limits, and Trove's `[db2]`
/// settings. The GuestAgent builds it from Trove's configuration files.
public struct DB2ManagerConfiguration: Sendable {
    /// How backups are taken (Trove's `[db2] backup_strategy`).
    public enum BackupStrategy: String, Sendable {
        case offline = "DB2OfflineBackup"
        case online = "DB2OnlineBackup"
    }

    /// How a new data volume is formatted and mounted (Trove's `[DEFAULT]` volume options).
    public struct Volume: Sendable {
        public var fileSystemType: String
        /// mkfs options, split at blanks into arguments.
        public var formatOptions: String
        public var formatTimeout: Duration
        public var mountOptions: String
        /// Times to look for the device before giving up (a second apart).
        public var deviceCheckTries: Int

        public init(
            fileSystemType: String = "ext3", formatOptions: String = "-m 5", formatTimeout: Duration = .seconds(120),
            mountOptions: String = "defaults,noatime", deviceCheckTries: Int = 3
        ) {
            self.fileSystemType = fileSystemType
            self.formatOptions = formatOptions
            self.formatTimeout = formatTimeout
            self.mountOptions = mountOptions
            self.deviceCheckTries = deviceCheckTries
        }
    }

    public var instanceOwner: String
    public var instanceHome: String
    /// Trove's `[db2] mount_point`: DB2's local database directory, where the volume is mounted.
    public var mountPoint: String
    public var backupStrategy: BackupStrategy
    /// Users never listed nor touched (compared without regard to case). The instance owner is always one.
    public var ignoreUsers: [String]
    public var volumeSupport: Bool
    public var volume: Volume
    /// Limit for queries and short commands.
    public var commandTimeout: Duration
    /// Limit for one database's backup.
    public var backupTimeout: Duration
    /// Limit for one database's restore, and for its rollforward.
    public var restoreTimeout: Duration
    /// Limit for DB2 to start or stop, and for CREATE/DROP DATABASE.
    public var stateChangeWaitTime: Duration
    public var stateChangePollTime: Duration
    /// Trove's `db2iauto` (autostart on boot); skipped when the file does not exist.
    public var autostartTool: String
    /// The agent's own directory (`state_dir`, root's alone): the record of the OS accounts the agent created.
    public var stateDirectory: String

    public init(
        instanceOwner: String = "db2inst1", instanceHome: String = "/home/db2inst1",
        mountPoint: String = "/home/db2inst1/db2inst1", backupStrategy: BackupStrategy = .offline,
        ignoreUsers: [String] = ["PUBLIC", "DB2INST1"], volumeSupport: Bool = true, volume: Volume = Volume(),
        commandTimeout: Duration = .seconds(120), backupTimeout: Duration = .seconds(21600),
        restoreTimeout: Duration = .seconds(21600), stateChangeWaitTime: Duration = .seconds(600),
        stateChangePollTime: Duration = .seconds(3),
        autostartTool: String = "/opt/ibm/db2/current/instance/db2iauto",
        stateDirectory: String = "/var/lib/trove-db2-agent"
    ) {
        self.instanceOwner = instanceOwner
        self.instanceHome = instanceHome
        self.mountPoint = mountPoint
        self.backupStrategy = backupStrategy
        self.ignoreUsers = ignoreUsers
        self.volumeSupport = volumeSupport
        self.volume = volume
        self.commandTimeout = commandTimeout
        self.backupTimeout = backupTimeout
        self.restoreTimeout = restoreTimeout
        self.stateChangeWaitTime = stateChangeWaitTime
        self.stateChangePollTime = stateChangePollTime
        self.autostartTool = autostartTool
        self.stateDirectory = stateDirectory
    }

    /// `<mount_point>/backup` (Trove's `DB2_BACKUP_DIR`).
    public var backupDirectory: String { Self.join(mountPoint, "backup") }
    /// `<mount_point>/ArchiveLogs` (Trove's `DB2_ARCHIVE_LOGS_DIR`): LOGARCHMETH1's target.
    public var archiveLogDirectory: String { Self.join(mountPoint, "ArchiveLogs") }
    /// `<instance_home>/sqllib/db2profile`.
    public var profilePath: String { Self.join(instanceHome, "sqllib/db2profile") }
    /// `<mount_point>/overrides`: the stored configuration overrides (Trove's ImportOverrideStrategy directory).
    public var overridesDirectory: String { Self.join(mountPoint, "overrides") }
    /// The user overrides file, `KEY=VALUE` lines, as Trove names it.
    public var overridesFile: String { Self.join(overridesDirectory, "20-user-001-common.cnf") }
    /// `<mount_point>/db2_default_dbm.cfg`: the DBM configuration before any override, to reset from.
    public var defaultDBMConfigurationFile: String { Self.join(mountPoint, "db2_default_dbm.cfg") }
    /// `<mount_point>/db2.cfg.fake`: where `config_contents` is saved (DB2's template is empty).
    public var configurationFile: String { Self.join(mountPoint, "db2.cfg.fake") }
    /// `LOGARCHMETH1` as this agent sets it, and as DB2 shows it (with a trailing `/`).
    public var archiveMethod: String { "DISK:\(archiveLogDirectory)/" }
    /// Limit for commands that create or remove a database or start/stop the instance.
    public var longCommandTimeout: Duration { max(commandTimeout, stateChangeWaitTime) }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
