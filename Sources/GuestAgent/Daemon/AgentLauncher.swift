import AgentSupport
import AMQP
import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC
import ServiceLifecycle
import Synchronization
import TroveConfig
import UnixSignals

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
    ///
    /// The parts are built first, each from what it needs (``AgentParts``: the broker's side, then the backup
    /// coordinator with the conductor client, then Trove's RPC surface with both), and run as one
    /// ``ServiceGroup``: SIGTERM and SIGINT shut it down gracefully, in the reverse order of its services, within
    /// `shutdown_grace_period`, after which what still runs is cancelled.
    public static func run(configFiles: [String], configDirectories: [String]) async -> Int32 {
        bootstrapLogging()
        let logger = Logger(label: "trove-db2-agent")
        guard let config = await loadConfiguration(files: configFiles, directories: configDirectories, logger: logger)
        else { return ExitCode.configuration.rawValue }
        AgentLogHandler.level.withLock { $0 = config.logging.effectiveLevel }
        if let path = config.logging.logFilePath { AgentLogHandler.addLogFile(path) }
        signal(SIGPIPE, SIG_IGN)
        let parts: AgentParts
        do {
            parts = try AgentParts(
                config: config, configFiles: configFiles, configDirectories: configDirectories, logger: logger)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            return ExitCode.configuration.rawValue
        }
        logger.info(
            "trove-db2-agent starting",
            metadata: [
                "guest_id": "\(parts.configuration.guestID)", "rpc.exchange": "\(parts.configuration.controlExchange)",
                "amqp.brokers": "\(parts.configuration.messaging.endpoints.map(\.description).joined(separator: ","))",
            ])
        var group = ServiceGroupConfiguration(
            services: parts.services(), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = parts.configuration.shutdownGrace
        do { try await ServiceGroup(configuration: group).run() } catch {
            logger.error("the agent's services ended with an error", metadata: ["error": "\(error)"])
        }
        await parts.manager?.shutDown()
        return ExitCode.success.rawValue
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
