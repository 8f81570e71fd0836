/// `[db2]`: the instance, its backups and Trove's DB2 settings.
extension OptionTable {
    // MARK: - [db2]

    static let mountPoint = Option.string(
        DB2, "mount_point", default: "/home/db2inst1/db2inst1", origin: .trove,
        help: "Where the data volume is mounted: DB2's local database directory. Backup images go to "
            + "`<mount_point>/backup`, archived logs to `<mount_point>/ArchiveLogs`.")
    static let devicePath = Option.string(
        DB2, "device_path", default: "/dev/vdb", origin: .trove, help: "Block device of the data volume.")
    static let volumeSupport = Option.boolean(
        DB2, "volume_support", default: true, origin: .trove, help: "Whether the data lives on a Cinder volume.")
    static let backupStrategy = Option.string(
        DB2, "backup_strategy", default: "DB2OfflineBackup", choices: ["DB2OfflineBackup", "DB2OnlineBackup"],
        origin: .trove,
        help: "`DB2OnlineBackup`: online backups with logs, databases keep serving (archive logging is set up on "
            + "every database). `DB2OfflineBackup`: quiesce, back up, unquiesce.")
    static let ignoreUsers = Option.list(
        DB2, "ignore_users", default: ["PUBLIC", "DB2INST1"], origin: .trove,
        help: "Users that user operations neither list nor touch.")
    static let guestLogExposedLogs = Option.string(
        DB2, "guest_log_exposed_logs", default: "", origin: .trove, help: "Guest logs users may publish.")
    static let defaultPasswordLength = Option.integer(
        DB2, "default_password_length", default: 36, min: 1, origin: .trove,
        help: "Length of generated passwords.", deprecated: [inDefault("default_password_length")])
    static let tcpPorts = Option.list(
        DB2, "tcp_ports", default: ["50000"], origin: .trove, help: "Security-group TCP ports (control plane).",
        compatibilityOnly: true)
    static let udpPorts = Option.list(
        DB2, "udp_ports", default: [], origin: .trove, help: "Security-group UDP ports (control plane).",
        compatibilityOnly: true)
    static let icmp = Option.boolean(
        DB2, "icmp", default: false, origin: .trove, help: "Security-group ICMP (control plane).",
        compatibilityOnly: true)
    static let rootOnCreate = Option.boolean(
        DB2, "root_on_create", default: false, origin: .trove,
        help: "Create a root user at instance creation "
            + "(control plane).", compatibilityOnly: true)
    static let backupNamespace = Option.string(
        DB2, "backup_namespace", default: "trove.guestagent.strategies.backup.experimental.db2_impl", origin: .trove,
        help: "Python namespace of Trove's backup runners.", deprecated: [inDefault("backup_namespace")],
        compatibilityOnly: true)
    static let restoreNamespace = Option.string(
        DB2, "restore_namespace", default: "trove.guestagent.strategies.restore.experimental.db2_impl",
        origin: .trove, help: "Python namespace of Trove's restore runners.",
        deprecated: [inDefault("restore_namespace")], compatibilityOnly: true)
    static let backupIncrementalStrategy = Option.dict(
        DB2, "backup_incremental_strategy", origin: .trove,
        help: "Trove's incremental runner per strategy; instead, an incremental request (`parent` set) takes Db2 "
            + "INCREMENTAL or DELTA images chosen from Db2's history, or full images when none can build on the parent.",
        compatibilityOnly: true)
    static let replicationStrategy = Option.optionalString(
        DB2, "replication_strategy", origin: .trove, help: "Replication strategy; DB2 has none.",
        compatibilityOnly: true)
    static let rootController = Option.string(
        DB2, "root_controller", default: "trove.extensions.common.service.DefaultRootController", origin: .trove,
        help: "Root controller of the API (control plane).", compatibilityOnly: true)
    static let instanceOwner = Option.string(
        DB2, "instance_owner", default: "db2inst1", origin: .agent,
        help: "OS user owning the DB2 instance; DB2 tools run as this user (directly when the agent already is it).")
    static let instanceHome = Option.string(
        DB2, "instance_home", default: "/home/db2inst1", origin: .agent,
        help: "Home of the instance owner; the DB2 environment comes from `<instance_home>/sqllib/db2profile`.")
    static let verifyBackupImages = Option.boolean(
        DB2, "verify_backup_images", default: true, origin: .agent,
        help: "Check every backup image with `db2ckbkp` before it leaves the machine.")
    static let logShipping = Option.boolean(
        DB2, "log_shipping", default: false, origin: .agent,
        help: "Ship every archived log file to the backup store as Db2 archives it (under "
            + "`<container>/db2logs/<guest_id>/`), for point-in-time restores. Off by default: it needs "
            + "`DB2OnlineBackup` (archive logging), `[service_credentials]` when the store is Swift (shipping runs "
            + "outside any request), and it stores objects Trove neither lists nor counts in quotas.")
    static let logShipInterval = Option.integer(
        DB2, "log_ship_interval", default: 300, min: 10, origin: .agent,
        help: "Seconds: a database that wrote but had no log archived for this long gets `ARCHIVE LOG FOR DB`, so "
            + "no committed change waits longer than this (plus the upload) to be shipped.")
    static let logRetentionDays = Option.integer(
        DB2, "log_retention_days", default: 0, min: 0, origin: .agent,
        help: "Days after which Swift expires a shipped log (`X-Delete-At`), as a floor under the agent's own "
            + "retention; 0: shipped logs are removed only by the agent, never one a backup it can still read needs.")
    static let commandTimeout = Option.integer(
        DB2, "command_timeout", default: 120, min: 1, origin: .agent,
        help: "Seconds a DB2 command other than backup and restore may run (Trove: 1200 for everything).")
    static let backupTimeout = Option.integer(
        DB2, "backup_timeout", default: 21600, min: 1, origin: .agent,
        help: "Seconds one database's `BACKUP DATABASE` may run.")
    static let restoreTimeout = Option.integer(
        DB2, "restore_timeout", default: 21600, min: 1, origin: .agent,
        help: "Seconds one database's `RESTORE` plus `ROLLFORWARD` may run.")

    /// The options that locate the broker only when `transport_url` is unset.
    static let legacyBrokerOptions: Set<OptionName> = [
        rpcBackend.name, rabbitHost.name, rabbitPort.name, rabbitHosts.name, rabbitUserID.name, rabbitPassword.name,
    ]
}
