import AgentSupport
import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC
import Synchronization
import TroveConfig

/// Starts the agent from its command line: logging, configuration, the service, signals. The executable calls
/// this and nothing else, so tests and the binary share one start-up path.
public enum AgentLauncher {
    /// Exit codes that tell systemd (and an operator) what happened.
    public enum ExitCode: Int32 {
        case success = 0
        /// A configuration problem (sysexits' EX_CONFIG): restarting will not help.
        case configuration = 78
    }

    /// Routes swift-log to ``AgentLogHandler``. Call once, first thing.
    public static func bootstrapLogging() {
        LoggingSystem.bootstrap { AgentLogHandler(label: $0) }
    }

    /// Loads the configuration, printing `file:line: problem` to stderr when it is unusable.
    public static func loadConfiguration(files: [String], directories: [String], logger: Logger) async
        -> AgentConfiguration?
    {
        do {
            let sources = files.map(ConfigSource.file) + directories.map(ConfigSource.directory)
            return try await AgentConfiguration.load(sources: sources, logger: logger)
        } catch {
            TextOutput.write("trove-db2-agent: configuration error: \(error)\n")
            return nil
        }
    }

    /// Runs the daemon until SIGTERM/SIGINT; returns the process exit code.
    public static func run(configFiles: [String], configDirectories: [String]) async -> Int32 {
        bootstrapLogging()
        let logger = Logger(label: "trove-db2-agent")
        guard let config = await loadConfiguration(files: configFiles, directories: configDirectories, logger: logger)
        else { return ExitCode.configuration.rawValue }
        AgentLogHandler.level.withLock { $0 = config.logging.effectiveLevel }
        if let path = config.logging.logFilePath { AgentLogHandler.addLogFile(path) }
        signal(SIGPIPE, SIG_IGN)
        let shutdown = ShutdownSignal()
        shutdown.installSignalHandlers()
        let reloader = LogLevelReloader(
            configFiles: configFiles, configDirectories: configDirectories, logger: logger)
        reloader.install()
        let agentConfiguration = GuestAgentConfiguration(config)
        let manager = makeDB2Manager(config, logger: logger)
        let notifier = SystemdNotifier()
        let activity = AgentActivity { text in notifier?.send("STATUS=\(text)") }
        var backups: BackupCoordinator?
        let service: GuestAgentService
        do {
            service = try GuestAgentService(
                configuration: agentConfiguration, statusProvider: manager.map(DB2StatusProvider.init),
                logger: logger, notifier: notifier,
                healthProbes: manager.map { manager in [{ await manager.isResponsive() }] } ?? [],
                activity: activity,
                makeMethods: { conductor in
                    guard let manager else { return [] }
                    let coordinator = BackupCoordinator(
                        settings: BackupSettings(config), database: BackupDB2Adapter(manager), conductor: conductor,
                        logger: logger, activity: activity)
                    backups = coordinator
                    return DB2Methods(
                        manager: manager, conductor: conductor, markers: agentConfiguration.prepareMarkers,
                        guestID: agentConfiguration.guestID, logger: logger,
                        guestLogs: GuestLogMethods(
                            guestID: agentConfiguration.guestID, logFile: config.logging.logFilePath,
                            exposedLogs: config.db2.guestLogExposedLogs),
                        restore: { request, backupInfo in
                            try await coordinator.restore(backupInfo: backupInfo, context: request.context)
                        }
                    ).groups + [BackupMethods.methods(coordinator: coordinator)]
                })
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            return ExitCode.configuration.rawValue
        }
        installTestHooks(service: service, logger: logger)
        let startUp = Task { await manager?.startUp() }
        // At start, what a crash interrupted: a backup reported FAILED and cleaned up, a restore reported.
        let coordinator = backups
        let recovery = Task { await coordinator?.recoverInterruptedOperations() }
        await service.run(until: shutdown) { reason in await coordinator?.abortRunningBackup(reason: reason) }
        startUp.cancel()
        recovery.cancel()
        await manager?.shutDown()
        return ExitCode.success.rawValue
    }

    /// Test hooks, off unless `TROVE_DB2_AGENT_TEST_HOOKS=1` is in the environment (never set by the unit or Trove):
    /// SIGUSR2 stalls the AMQP consumer thread for 8 s, as a hung thread would, so a test can watch the watchdog
    /// pings stop.
    static func installTestHooks(service: GuestAgentService, logger: Logger) {
        guard ProcessInfo.processInfo.environment["TROVE_DB2_AGENT_TEST_HOOKS"] == "1" else { return }
        logger.warning("test hooks enabled (TROVE_DB2_AGENT_TEST_HOOKS=1)")
        SignalHandlers.onSignal(SIGUSR2) { service.stallConsumerForTesting(seconds: 8) }
    }

    /// The DB2 manager, or nil (logged) when the instance owner cannot be used: the agent then serves only the
    /// methods that need no DB2.
    static func makeDB2Manager(_ config: AgentConfiguration, logger: Logger) -> DB2Manager? {
        do {
            return try DB2Manager(configuration: DB2ManagerConfiguration(config), logger: logger)
        } catch {
            logger.critical("DB2 manager unavailable: DB2 methods are not served", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// `check-config`: prints the effective configuration (secrets masked); returns the exit code.
    public static func checkConfig(configFiles: [String], configDirectories: [String]) async -> Int32 {
        bootstrapLogging()
        let logger = Logger(label: "check-config")
        guard let config = await loadConfiguration(files: configFiles, directories: configDirectories, logger: logger)
        else { return ExitCode.configuration.rawValue }
        print(config.effectiveReport())
        return ExitCode.success.rawValue
    }
}
