/// `[DEFAULT]`: identity, RPC, volume and logging options.
extension OptionTable {
    // MARK: - [DEFAULT]: identity and RPC

    static let guestID = Option.optionalString(
        D, "guest_id", origin: .trove,
        help: "ID of this guest instance; the agent consumes RPC queue `guestagent.<guest_id>`. Trove writes it "
            + "to guest_info.conf.", required: true)
    static let datastoreManager = Option.optionalString(
        D, "datastore_manager", origin: .trove,
        help: "Datastore manager, injected by Trove into guest_info.conf. This agent serves only `db2`; any other "
            + "value stops start-up.")
    static let tenantID = Option.optionalString(
        D, "tenant_id", origin: .trove,
        help: "Project (tenant) of the instance, injected by Trove into guest_info.conf; the Swift account when "
            + "`swift_url` is set.")
    static let instanceRPCEncryptionKey = Option.optionalString(
        D, "instance_rpc_encr_key", origin: .trove,
        help: "Per-instance key of Trove's secure RPC (Ocata–Ussuri), injected into guest_info.conf. When set, "
            + "RPC arguments, contexts and results are encrypted; when unset, traffic is plain.", secret: true)
    static let transportURL = Option.optionalString(
        D, "transport_url", origin: .osloMessaging,
        help: "Broker URL: `rabbit://user:pass@host1:5672,user2:pass2@host2:5672/vhost?ssl=1` (also `amqp://`). "
            + "User, password and vhost are percent-decoded; query parameters override [oslo_messaging_rabbit] "
            + "options of the same name. When unset, the legacy `rabbit_*` options are used.", secret: true)
    static let rpcBackend = Option.string(
        D, "rpc_backend", default: "rabbit", origin: .osloMessaging,
        help: "Newton's messaging driver name, used only when `transport_url` is unset; must name the RabbitMQ "
            + "driver (`rabbit` or `kombu`).")
    static let controlExchange = Option.string(
        D, "control_exchange", default: "openstack", origin: .osloMessaging,
        help: "Topic exchange of the RPC server and of conductor casts. Trove's sample sets `trove`.")
    static let rpcResponseTimeout = Option.integer(
        D, "rpc_response_timeout", default: 60, min: 1, origin: .osloMessaging,
        help: "Seconds to wait for a reply to a call the agent makes.")
    static let rpcMaxMessageSize = Option.integer(
        D, "rpc_max_message_size", default: 16 * mebibyte, min: 1024, origin: .agent,
        help: "Largest RPC message body in bytes; a larger one is refused (answered with a failure, acked), never "
            + "decoded.")
    static let conductorQueue = Option.string(
        D, "conductor_queue", default: "trove-conductor", origin: .trove,
        help: "Topic of trove-conductor: heartbeats and backup updates are cast to it.")
    static let reportInterval = Option.integer(
        D, "report_interval", default: 30, min: 1, origin: .trove,
        help: "Seconds between heartbeats to the conductor.")
    static let stateChangeWaitTime = Option.integer(
        D, "state_change_wait_time", default: 600, min: 1, origin: .trove,
        help: "Seconds to wait for DB2 to start or stop.")
    static let stateChangePollTime = Option.integer(
        D, "state_change_poll_time", default: 3, min: 1, origin: .trove,
        help: "Seconds between checks while waiting for DB2 to start or stop.")
    static let stateDirectory = Option.string(
        D, "state_dir", default: "/var/lib/trove-db2-agent", origin: .agent,
        help: "Directory of the agent's own state (root's alone): the operation journal that makes backups and "
            + "restores crash-safe, and the record of the OS accounts the agent created (the only ones delete_user removes).")
    static let shutdownGracePeriod = Option.integer(
        D, "shutdown_grace_period", default: 60, min: 0, origin: .agent,
        help: "Seconds a running backup may take to finish after SIGTERM before it is aborted cleanly "
            + "(reported FAILED, partial segments deleted).")

    // MARK: - [DEFAULT]: volume

    static let volumeFSType = Option.string(
        D, "volume_fstype", default: "ext3", origin: .trove, help: "File system made on a new data volume.")
    static let formatOptions = Option.string(
        D, "format_options", default: "-m 5", origin: .trove, help: "Options of mkfs for a new data volume.")
    static let volumeFormatTimeout = Option.integer(
        D, "volume_format_timeout", default: 120, min: 1, origin: .trove,
        help: "Seconds a volume format may take.")
    static let mountOptions = Option.string(
        D, "mount_options", default: "defaults,noatime", origin: .trove, help: "Mount options of the data volume.")
    static let numTries = Option.integer(
        D, "num_tries", default: 3, min: 1, origin: .trove, help: "Times to check that a volume device exists.")

    // MARK: - [DEFAULT]: logging

    static let debug = Option.boolean(
        D, "debug", default: false, origin: .osloLog, help: "Log at debug level (unless `log_level` says otherwise).")
    static let logFile = Option.optionalString(
        D, "log_file", origin: .osloLog,
        help: "Log file; relative to `log_dir` when that is set. When neither is set, logs go to stderr (the journal).",
        deprecated: [inDefault("logfile")])
    static let logDir = Option.optionalString(
        D, "log_dir", origin: .osloLog,
        help: "Log directory; the file is `log_file`, or `trove-db2-agent.log` when `log_file` is unset.",
        deprecated: [inDefault("logdir")])
    static let logLevel = Option.optionalString(
        D, "log_level", choices: ["trace", "debug", "info", "notice", "warning", "error", "critical"], origin: .agent,
        help: "Log level; overrides `debug`. Re-read on SIGHUP.")
    static let useJournal = Option.boolean(
        D, "use_journal", default: false, origin: .osloLog,
        help: "Write journald-style records (syslog priority prefixes) to stderr.")
    static let useSyslog = Option.boolean(
        D, "use_syslog", default: false, origin: .osloLog, help: "oslo.log's syslog output.", compatibilityOnly: true)
    static let logConfigAppend = Option.optionalString(
        D, "log_config_append", origin: .osloLog,
        help: "Python logging configuration file; not applicable to this agent.", deprecated: [inDefault("log_config")],
        compatibilityOnly: true)
}
