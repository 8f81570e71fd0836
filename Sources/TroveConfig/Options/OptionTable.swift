/// Every option the agent reads: section, name, type, default, help, secret flag, deprecated names, and whether
/// Trove (or oslo) or the agent defines it.
///
/// This is the one place options are declared. The loader checks every option listed in ``all``, the typed
/// ``AgentConfiguration`` is built from these entries, `check-config` prints them, and the README's option
/// reference is ``markdownReference()``. Names and defaults are Trove's (Newton–Ussuri, `trove/common/cfg.py`) and
/// oslo.messaging's / oslo.log's; the agent's own options are marked ``OptionOrigin/agent``.
public enum OptionTable {
    /// The section names the agent reads. Others (`[profiler]`, `[upgrade_levels]`, `[mysql]`, ...) are ignored.
    public static let sections = [defaultSection, db2Section, rabbitSection, serviceCredentialsSection]

    static let defaultSection = "DEFAULT"
    static let db2Section = "db2"
    static let rabbitSection = "oslo_messaging_rabbit"
    static let serviceCredentialsSection = "service_credentials"

    private static let D = defaultSection
    private static let R = rabbitSection
    private static let DB2 = db2Section
    private static let mebibyte = 1024 * 1024

    /// `[DEFAULT] name`, for deprecated groups.
    private static func inDefault(_ name: String) -> OptionName { OptionName(D, name) }
    /// `[oslo_messaging_rabbit] name`, for deprecated names.
    private static func inRabbit(_ name: String) -> OptionName { OptionName(R, name) }

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

    // MARK: - [DEFAULT]: backup and storage

    static let storageStrategy = Option.string(
        D, "storage_strategy", default: "SwiftStorage", choices: ["SwiftStorage", "LocalStorage"], origin: .trove,
        help: "Where backups go: `SwiftStorage` (Trove's) or `LocalStorage` (the agent's: a directory, "
            + "`backup_local_path`).")
    static let storageNamespace = Option.string(
        D, "storage_namespace", default: "trove.common.strategies.storage.swift", origin: .trove,
        help: "Python namespace of Trove's storage strategies.", compatibilityOnly: true)
    static let backupLocalPath = Option.string(
        D, "backup_local_path", default: "/var/lib/trove-db2-agent/backups", origin: .agent,
        help: "Directory of `LocalStorage` backups (same segment and manifest layout as Swift; `file://` locations).")
    static let backupSwiftContainer = Option.string(
        D, "backup_swift_container", default: "database_backups", origin: .trove,
        help: "Swift container for backups (created when missing).")
    static let backupUseGzipCompression = Option.boolean(
        D, "backup_use_gzip_compression", default: true, origin: .trove,
        help: "Compress backups with gzip (object name gets `.gz`).")
    static let backupUseOpenSSLEncryption = Option.boolean(
        D, "backup_use_openssl_encryption", default: true, origin: .trove,
        help: "Encrypt backups with AES-256-CBC in `openssl enc` format (object name gets `.enc`).")
    static let backupAESCBCKey = Option.string(
        D, "backup_aes_cbc_key", default: "default_aes_cbc_key", origin: .trove,
        help: "Passphrase of backup encryption. Trove's default is public: set your own.", secret: true)
    static let backupEncryptionDigest = Option.string(
        D, "backup_encryption_digest", default: "sha256", choices: ["md5", "sha256"], origin: .agent,
        help: "Digest of `openssl enc` key derivation for new backups: `md5` as OpenSSL 1.0 (Newton-era images), "
            + "`sha256` as OpenSSL >= 1.1. Restore tries both.")
    static let backupCompressionLevel = Option.integer(
        D, "backup_compression_level", default: 6, min: 1, max: 12, origin: .agent,
        help: "Deflate level of backup compression (1 fastest – 12 smallest; gzip's default is 6).")
    static let backupUseSnet = Option.boolean(
        D, "backup_use_snet", default: false, origin: .trove,
        help: "Use Swift's service network (Rackspace ServiceNet).", compatibilityOnly: true)
    static let backupChunkSize = Option.integer(
        D, "backup_chunk_size", default: 65536, min: 1, origin: .trove,
        help: "Bytes per read when streaming to and from object storage.")
    static let backupSegmentMaxSize = Option.integer(
        D, "backup_segment_max_size", default: 2_147_483_648, min: 1, origin: .trove,
        help: "Largest backup segment object in bytes; a larger backup becomes segments plus an SLO manifest.")
    static let backupRunnerOptions = Option.dict(
        D, "backup_runner_options", origin: .trove, help: "Extra options of Trove's backup runners.",
        compatibilityOnly: true)
    static let verifySwiftChecksumOnRestore = Option.boolean(
        D, "verify_swift_checksum_on_restore", default: true, origin: .trove,
        help: "Check the stored object's checksum against the backup's before restoring.")
    static let swiftURL = Option.optionalString(
        D, "swift_url", origin: .trove,
        help: "Swift URL ending in `AUTH_` (the tenant is appended). When unset, the endpoint comes from the RPC "
            + "context's service catalog.")
    static let swiftServiceType = Option.string(
        D, "swift_service_type", default: "object-store", origin: .trove,
        help: "Service type of Swift in the catalog.")
    static let swiftEndpointType = Option.string(
        D, "swift_endpoint_type", default: "publicURL", origin: .trove,
        help: "Endpoint type of Swift in the catalog (`publicURL`, `internalURL`, `adminURL`).")
    static let regionName = Option.string(
        serviceCredentialsSection, "region_name", default: "RegionOne", origin: .trove,
        help: "Region of the Swift endpoint in the catalog. Newton names it `[DEFAULT] os_region_name`.",
        deprecated: [inDefault("os_region_name")])
    static let swiftAPIInsecure = Option.boolean(
        D, "swift_api_insecure", default: false, origin: .trove,
        help: "Do not verify Swift's TLS certificate (Ussuri).")
    static let storageRetryTimeout = Option.integer(
        D, "storage_retry_timeout", default: 60, min: 0, origin: .agent,
        help: "Seconds a failed object-storage request (a segment, the manifest, a HEAD, a delete) keeps being "
            + "retried, with capped and jittered back-off from 0.5 s to 8 s, before the backup or restore fails: a "
            + "proxy restart or a short Swift outage is survived whatever the size of the backup.")
    static let storageCleanupSettleTime = Option.integer(
        D, "storage_cleanup_settle_time", default: 60, min: 0, origin: .agent,
        help: "Seconds after a failed or interrupted backup during which the agent keeps listing its partial upload "
            + "again before it declares it gone: a segment PUT in flight at a crash may still be committed by Swift "
            + "(or a buffering proxy) that long after. Deleting what is left is retried in the background until it "
            + "succeeds.")
    static let conductorReportTimeout = Option.integer(
        D, "conductor_report_timeout", default: 86400, min: 1, origin: .agent,
        help: "Seconds a backup's final `update_backup` keeps being sent again (with back-off) until the broker "
            + "routes it to the conductor's queue; it stays in the journal meanwhile, across restarts.")
    static let serviceAuthURL = Option.optionalString(
        serviceCredentialsSection, "auth_url", origin: .trove,
        help: "Identity endpoint of the service credentials: Keystone v3 (`.../v3`) or a TempAuth/SwAuth "
            + "`.../auth/v1.0`. The agent uses them only to delete a partial upload once the request's token has "
            + "expired; without them such a clean-up waits for the next request's token.")
    static let serviceUsername = Option.optionalString(
        serviceCredentialsSection, "username", origin: .trove,
        help: "User of the service credentials (TempAuth: `account:user`).")
    static let servicePassword = Option.optionalString(
        serviceCredentialsSection, "password", origin: .trove, help: "Password of the service credentials.",
        secret: true)
    static let serviceProjectName = Option.optionalString(
        serviceCredentialsSection, "project_name", origin: .trove, help: "Project of the service credentials.")
    static let serviceUserDomainName = Option.string(
        serviceCredentialsSection, "user_domain_name", default: "Default", origin: .trove,
        help: "Domain of the service credentials' user.")
    static let serviceProjectDomainName = Option.string(
        serviceCredentialsSection, "project_domain_name", default: "Default", origin: .trove,
        help: "Domain of the service credentials' project.")

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

    // MARK: - [oslo_messaging_rabbit]

    static let rabbitHost = Option.string(
        R, "rabbit_host", default: "localhost", origin: .osloMessaging,
        help: "Legacy (before Stein): broker host, when `transport_url` is unset.",
        deprecated: [inDefault("rabbit_host")])
    static let rabbitPort = Option.integer(
        R, "rabbit_port", default: 5672, min: 1, max: 65535, origin: .osloMessaging,
        help: "Legacy: broker port, and the port of `rabbit_hosts` entries without one.",
        deprecated: [inDefault("rabbit_port")])
    static let rabbitHosts = Option.list(
        R, "rabbit_hosts", default: [], defaultTemplate: "$rabbit_host:$rabbit_port", origin: .osloMessaging,
        help: "Legacy: brokers as `host:port` (IPv6 as `[::1]:5672`), tried in turn.",
        deprecated: [inDefault("rabbit_hosts")])
    static let rabbitUserID = Option.string(
        R, "rabbit_userid", default: "guest", origin: .osloMessaging, help: "Legacy: broker user.",
        deprecated: [inDefault("rabbit_userid")])
    static let rabbitPassword = Option.string(
        R, "rabbit_password", default: "guest", origin: .osloMessaging, help: "Legacy: broker password.",
        secret: true, deprecated: [inDefault("rabbit_password")])
    static let rabbitVirtualHost = Option.string(
        R, "rabbit_virtual_host", default: "/", origin: .osloMessaging,
        help: "Legacy: broker virtual host (also used when `transport_url` has no path).",
        deprecated: [inDefault("rabbit_virtual_host")])
    static let ssl = Option.boolean(
        R, "ssl", default: false, origin: .osloMessaging, help: "Connect to the broker over TLS.",
        deprecated: [inRabbit("rabbit_use_ssl"), inDefault("rabbit_use_ssl")])
    static let sslVersion = Option.string(
        R, "ssl_version", default: "", choices: ["", "TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3", "SSLv23"],
        origin: .osloMessaging,
        help: "Lowest TLS version accepted; empty or `SSLv23` negotiates the best both sides support.",
        deprecated: [inRabbit("kombu_ssl_version"), inDefault("kombu_ssl_version")])
    static let sslKeyFile = Option.string(
        R, "ssl_key_file", default: "", origin: .osloMessaging, help: "Client private key (PEM) for TLS.",
        deprecated: [inRabbit("kombu_ssl_keyfile"), inDefault("kombu_ssl_keyfile")])
    static let sslCertFile = Option.string(
        R, "ssl_cert_file", default: "", origin: .osloMessaging, help: "Client certificate (PEM) for TLS.",
        deprecated: [inRabbit("kombu_ssl_certfile"), inDefault("kombu_ssl_certfile")])
    static let sslCAFile = Option.string(
        R, "ssl_ca_file", default: "", origin: .osloMessaging,
        help: "CA bundle (PEM) that verifies the broker's certificate; empty uses the system's trust store.",
        deprecated: [inRabbit("kombu_ssl_ca_certs"), inDefault("kombu_ssl_ca_certs")])
    static let sslVerifyHostname = Option.boolean(
        R, "ssl_verify_hostname", default: true, origin: .agent,
        help: "Check that the broker's certificate names the host connected to. oslo.messaging's "
            + "`ssl_enforce_hostname_verification` is read as this option.",
        deprecated: [inRabbit("ssl_enforce_hostname_verification")])
    static let rabbitLoginMethod = Option.string(
        R, "rabbit_login_method", default: "AMQPLAIN", choices: ["PLAIN", "AMQPLAIN", "EXTERNAL"],
        origin: .osloMessaging,
        help: "SASL mechanism of the broker login. `AMQPLAIN` and `PLAIN` send the same user and password; "
            + "`EXTERNAL` uses the TLS client certificate.", deprecated: [inDefault("rabbit_login_method")])
    static let rabbitRetryInterval = Option.integer(
        R, "rabbit_retry_interval", default: 1, min: 1, origin: .osloMessaging,
        help: "Seconds before the first reconnection attempt.")
    static let rabbitRetryBackoff = Option.integer(
        R, "rabbit_retry_backoff", default: 2, min: 0, origin: .osloMessaging,
        help: "Accepted for compatibility: the agent doubles the wait after each failed attempt (with jitter), from rabbit_retry_interval up to rabbit_interval_max.",
        deprecated: [inDefault("rabbit_retry_backoff")])
    static let rabbitIntervalMax = Option.integer(
        R, "rabbit_interval_max", default: 30, min: 1, origin: .osloMessaging,
        help: "Longest wait in seconds between reconnection attempts.")
    static let kombuReconnectDelay = Option.float(
        R, "kombu_reconnect_delay", default: 1.0, min: 0, max: 4.5, origin: .osloMessaging,
        help: "Seconds to wait before re-consuming after the broker cancelled a consumer.",
        deprecated: [inDefault("kombu_reconnect_delay")])
    static let kombuFailoverStrategy = Option.string(
        R, "kombu_failover_strategy", default: "round-robin", choices: ["round-robin", "shuffle"],
        origin: .osloMessaging, help: "Order in which the next broker is tried after a connection is lost.")
    static let kombuMissingConsumerRetryTimeout = Option.integer(
        R, "kombu_missing_consumer_retry_timeout", default: 60, min: 0, origin: .osloMessaging,
        help: "Seconds to keep retrying a reply whose caller's queue is missing.",
        deprecated: [inRabbit("kombu_reconnect_timeout")])
    static let amqpDurableQueues = Option.boolean(
        R, "amqp_durable_queues", default: false, origin: .osloMessaging,
        help: "Declare durable exchanges and queues; must match the control plane or the broker refuses (406).",
        deprecated: [inDefault("amqp_durable_queues"), inDefault("rabbit_durable_queues")])
    static let amqpAutoDelete = Option.boolean(
        R, "amqp_auto_delete", default: false, origin: .osloMessaging,
        help: "Declare auto-delete exchanges and queues; must match the control plane.",
        deprecated: [inDefault("amqp_auto_delete")])
    static let rabbitHAQueues = Option.boolean(
        R, "rabbit_ha_queues", default: false, origin: .osloMessaging,
        help: "Declare queues with `x-ha-policy: all`; must match the control plane.",
        deprecated: [inDefault("rabbit_ha_queues")])
    static let rabbitQuorumQueue = Option.boolean(
        R, "rabbit_quorum_queue", default: false, origin: .osloMessaging,
        help: "Declare the RPC queues as quorum queues (`x-queue-type: quorum`, always durable); must match the "
            + "control plane.")
    static let rabbitTransientQuorumQueue = Option.boolean(
        R, "rabbit_transient_quorum_queue", default: false, origin: .osloMessaging,
        help: "Declare fanout (transient) queues as quorum queues; must match the control plane.")
    static let rabbitQuorumDeliveryLimit = Option.integer(
        R, "rabbit_quorum_delivery_limit", default: 0, min: 0, origin: .osloMessaging,
        help: "Quorum queues: `x-delivery-limit` (0: none).")
    static let rabbitQuorumMaxMemoryLength = Option.integer(
        R, "rabbit_quorum_max_memory_length", default: 0, min: 0, origin: .osloMessaging,
        help: "Quorum queues: `x-max-in-memory-length` (0: none).")
    static let rabbitQuorumMaxMemoryBytes = Option.integer(
        R, "rabbit_quorum_max_memory_bytes", default: 0, min: 0, origin: .osloMessaging,
        help: "Quorum queues: `x-max-in-memory-bytes` (0: none).")
    static let rabbitTransientQueuesTTL = Option.integer(
        R, "rabbit_transient_queues_ttl", default: 1800, min: 0, origin: .osloMessaging,
        help: "Seconds an unused fanout queue lives (`x-expires`; 0: for ever).")
    static let rabbitQosPrefetchCount = Option.integer(
        R, "rabbit_qos_prefetch_count", default: 0, min: 0, origin: .osloMessaging,
        help: "RPC deliveries per queue the broker may send before the agent has a free request slot for them "
            + "(`basic.qos`); the broker keeps the rest. oslo's 0 (unlimited) means the agent's bound of 64: the "
            + "agent never takes an unbounded flood into memory.")
    static let heartbeatTimeoutThreshold = Option.integer(
        R, "heartbeat_timeout_threshold", default: 60, min: 0, origin: .osloMessaging,
        help: "AMQP heartbeat timeout in seconds; the broker is considered gone after it (0: no heartbeats).")
    static let heartbeatRate = Option.integer(
        R, "heartbeat_rate", default: 3, min: 1, origin: .osloMessaging,
        help: "Heartbeat checks per timeout period (oslo.messaging's default was 2 before 14.5).")
    static let enableCancelOnFailover = Option.boolean(
        R, "enable_cancel_on_failover", default: false, origin: .osloMessaging,
        help: "Consume with `x-cancel-on-ha-failover`, so the broker cancels consumers of a failed-over queue.")

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
        help: "Incremental runner per strategy; DB2 has none, so incremental requests take full backups.",
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

    // MARK: - The table

    /// Every option, in the order of reports and of the README.
    public static let all: [OptionDefinition] = [
        guestID.definition, datastoreManager.definition, tenantID.definition, instanceRPCEncryptionKey.definition,
        transportURL.definition, rpcBackend.definition, controlExchange.definition, rpcResponseTimeout.definition,
        rpcMaxMessageSize.definition, conductorQueue.definition, reportInterval.definition,
        stateChangeWaitTime.definition, stateChangePollTime.definition, stateDirectory.definition,
        shutdownGracePeriod.definition,
        storageStrategy.definition, storageNamespace.definition, backupLocalPath.definition,
        backupSwiftContainer.definition, backupUseGzipCompression.definition, backupUseOpenSSLEncryption.definition,
        backupAESCBCKey.definition, backupEncryptionDigest.definition, backupCompressionLevel.definition,
        backupUseSnet.definition, backupChunkSize.definition, backupSegmentMaxSize.definition,
        backupRunnerOptions.definition, verifySwiftChecksumOnRestore.definition, swiftURL.definition,
        swiftServiceType.definition, swiftEndpointType.definition, swiftAPIInsecure.definition,
        storageRetryTimeout.definition, storageCleanupSettleTime.definition, conductorReportTimeout.definition,
        volumeFSType.definition, formatOptions.definition, volumeFormatTimeout.definition, mountOptions.definition,
        numTries.definition,
        debug.definition, logFile.definition, logDir.definition, logLevel.definition, useJournal.definition,
        useSyslog.definition, logConfigAppend.definition,
        rabbitHost.definition, rabbitPort.definition, rabbitHosts.definition, rabbitUserID.definition,
        rabbitPassword.definition, rabbitVirtualHost.definition, ssl.definition, sslVersion.definition,
        sslKeyFile.definition, sslCertFile.definition, sslCAFile.definition, sslVerifyHostname.definition,
        rabbitLoginMethod.definition, rabbitRetryInterval.definition, rabbitRetryBackoff.definition,
        rabbitIntervalMax.definition, kombuReconnectDelay.definition, kombuFailoverStrategy.definition,
        kombuMissingConsumerRetryTimeout.definition, amqpDurableQueues.definition, amqpAutoDelete.definition,
        rabbitHAQueues.definition, rabbitQuorumQueue.definition, rabbitTransientQuorumQueue.definition,
        rabbitQuorumDeliveryLimit.definition, rabbitQuorumMaxMemoryLength.definition,
        rabbitQuorumMaxMemoryBytes.definition, rabbitTransientQueuesTTL.definition,
        rabbitQosPrefetchCount.definition, heartbeatTimeoutThreshold.definition, heartbeatRate.definition,
        enableCancelOnFailover.definition,
        mountPoint.definition, devicePath.definition, volumeSupport.definition, backupStrategy.definition,
        ignoreUsers.definition, guestLogExposedLogs.definition, defaultPasswordLength.definition,
        tcpPorts.definition, udpPorts.definition, icmp.definition, rootOnCreate.definition,
        backupNamespace.definition, restoreNamespace.definition, backupIncrementalStrategy.definition,
        replicationStrategy.definition, rootController.definition, instanceOwner.definition,
        instanceHome.definition, verifyBackupImages.definition, commandTimeout.definition, backupTimeout.definition,
        restoreTimeout.definition,
        regionName.definition, serviceAuthURL.definition, serviceUsername.definition, servicePassword.definition,
        serviceProjectName.definition, serviceUserDomainName.definition, serviceProjectDomainName.definition,
    ]

    /// The definition whose current name is `name`, if any.
    public static func definition(for name: OptionName) -> OptionDefinition? { byName[name] }

    private static let byName: [OptionName: OptionDefinition] = Dictionary(
        all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
}
