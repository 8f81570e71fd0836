import AgentSupport
import Logging

/// The agent's whole configuration, read from Trove's own oslo.config files.
///
/// ```swift
/// let config = try AgentConfiguration.load(
///     configFiles: ["/etc/trove/conf.d/guest_info.conf", "/etc/trove/conf.d/trove-guestagent.conf"],
///     logger: logger)
/// print(config.messaging.brokers, config.db2.backupDirectory)
/// ```
///
/// Files are read in order and later files override earlier ones; the parsing, type and substitution rules are
/// oslo.config's (see ``OptionTable`` for every option, ``TransportURL`` for the broker URL). Every option of the
/// table is checked at load time, so a bad value anywhere stops start-up with a `file:line:` ``ConfigError``
/// rather than failing later.
public struct AgentConfiguration: Sendable {
    /// `guest_id`: the instance, and the RPC topic `guestagent.<guest_id>`.
    public let guestID: String
    /// `datastore_manager` as injected (`db2`), if set.
    public let datastoreManager: String?
    /// `tenant_id` as injected, if set.
    public let tenantID: String?
    /// `instance_rpc_encr_key`: the key of Trove's secure RPC, or `nil` for plain RPC.
    public let instanceRPCEncryptionKey: Secret<String>?
    /// Topic of trove-conductor (`conductor_queue`).
    public let conductorQueue: String
    /// Interval between conductor heartbeats (`report_interval`).
    public let reportInterval: Duration
    /// Directory of the agent's journal (`state_dir`).
    public let stateDirectory: String
    /// How long a running backup may take to finish after SIGTERM (`shutdown_grace_period`).
    public let shutdownGracePeriod: Duration
    /// Broker, TLS, queue and reconnection settings.
    public let messaging: MessagingConfiguration
    /// `[db2]` settings and derived paths.
    public let db2: DB2Options
    /// Backup stream settings (compression, encryption).
    public let backup: BackupOptions
    /// Backup store settings (Swift or local).
    public let storage: StorageOptions
    /// Data volume settings.
    public let volume: VolumeOptions
    /// Logging settings.
    public let logging: LoggingOptions

    /// Every option with its value and source, for ``effectiveReport()``.
    let resolved: ResolvedOptions

    /// The files that were read, in override order.
    public var configFiles: [String] { resolved.files }

    init(resolved: ResolvedOptions) throws(ConfigError) {
        var resolved = resolved
        typealias T = OptionTable
        messaging = try MessagingConfiguration(resolved: &resolved)
        guard let guestID = resolved[T.guestID] else {
            preconditionFailure("the loader checks required options")
        }
        self.guestID = guestID
        datastoreManager = resolved[T.datastoreManager]
        if let manager = datastoreManager, manager != "db2" {
            throw resolved.error(
                T.datastoreManager, .unsupportedSetting,
                "= \"\(ConfigResolver.quoted(manager))\": this agent serves only the db2 datastore")
        }
        tenantID = resolved[T.tenantID]
        instanceRPCEncryptionKey = resolved[T.instanceRPCEncryptionKey].map(Secret.init)
        conductorQueue = resolved[T.conductorQueue]
        reportInterval = .seconds(resolved[T.reportInterval])
        stateDirectory = try resolved.absolutePath(T.stateDirectory)
        shutdownGracePeriod = .seconds(resolved[T.shutdownGracePeriod])
        db2 = try DB2Options(resolved: resolved)
        backup = try BackupOptions(resolved: resolved)
        storage = try StorageOptions(resolved: resolved)
        volume = VolumeOptions(resolved: resolved)
        logging = LoggingOptions(resolved: resolved)
        self.resolved = resolved
    }
}

// MARK: - Loading

extension AgentConfiguration {
    /// Reads the configuration files in order, as `--config-file` arguments.
    ///
    /// Blocking (file I/O): call it before entering async code; from async code the `async` overload runs it on
    /// the blocking thread pool.
    ///
    /// - Parameters:
    ///   - configFiles: paths, earliest first; later files override earlier ones.
    ///   - logger: receives debug lines for ignored keys and info lines for deprecated names.
    /// - Throws: ``ConfigError``: a file missing or malformed, a bad value, `guest_id` missing. Unknown keys are
    ///   not errors.
    public static func load(configFiles: [String], logger: Logger) throws(ConfigError) -> AgentConfiguration {
        try load(sources: configFiles.map(ConfigSource.file), logger: logger)
    }

    /// Reads configuration files and directories in order, as `--config-file` and `--config-dir` arguments.
    ///
    /// - Throws: ``ConfigError``, see ``load(configFiles:logger:)``.
    public static func load(sources: [ConfigSource], logger: Logger) throws(ConfigError) -> AgentConfiguration {
        var files: [INIFile] = []
        for source in sources { files += try source.readFiles() }
        var resolver = ConfigResolver(files: files, logger: logger)
        let configuration = try AgentConfiguration(resolved: resolver.resolve())
        configuration.logWarnings(logger)
        return configuration
    }

    /// Reads configuration text held in memory, earliest first (tests, generated configuration).
    ///
    /// - Parameter texts: (name, contents) pairs; the name stands for the file in errors and reports.
    /// - Throws: ``ConfigError``, see ``load(configFiles:logger:)``.
    public static func parse(texts: [(name: String, contents: String)], logger: Logger) throws(ConfigError)
        -> AgentConfiguration
    {
        try load(sources: texts.map { ConfigSource.text(name: $0.name, contents: $0.contents) }, logger: logger)
    }

    /// ``load(configFiles:logger:)`` on the blocking thread pool.
    public static func load(configFiles: [String], logger: Logger) async throws(ConfigError) -> AgentConfiguration {
        try await load(sources: configFiles.map(ConfigSource.file), logger: logger)
    }

    /// ``load(sources:logger:)`` on the blocking thread pool.
    public static func load(sources: [ConfigSource], logger: Logger) async throws(ConfigError) -> AgentConfiguration {
        let result: Result<AgentConfiguration, ConfigError> = await BlockingThreadPool.shared.run {
            Result { () throws(ConfigError) -> AgentConfiguration in try load(sources: sources, logger: logger) }
        }
        return try result.get()
    }

    /// Settings that work but deserve an operator's attention.
    private func logWarnings(_ logger: Logger) {
        if backup.useEncryption && backup.encryptionKey.revealed == "default_aes_cbc_key" {
            logger.warning(
                "backup_aes_cbc_key is Trove's published default: backups are encrypted with a key anyone knows",
                metadata: ["config.option": "\(OptionTable.backupAESCBCKey.name)"])
        }
        if messaging.tls == nil && messaging.loginMethod != .external
            && messaging.brokers.contains(where: { !["localhost", "127.0.0.1", "::1"].contains($0.host) })
        {
            logger.info(
                "broker connection is not encrypted (ssl = false): RPC and the broker password travel in clear",
                metadata: ["config.option": "\(OptionTable.ssl.name)"])
        }
    }
}
