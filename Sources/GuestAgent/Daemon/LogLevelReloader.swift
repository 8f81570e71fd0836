#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Synchronization
import TroveConfig
import UnixSignals

/// SIGHUP re-reads the configuration files and applies their log level (`debug` / `log_level`); nothing else
/// changes at run time. A file that no longer parses leaves the level as it was, and says why.
public struct LogLevelReloader: Sendable {
    let configFiles: [String]
    let configDirectories: [String]
    let logger: Logger

    public init(configFiles: [String], configDirectories: [String], logger: Logger) {
        self.configFiles = configFiles
        self.configDirectories = configDirectories
        self.logger = logger
    }

    /// Reloads at every SIGHUP until cancelled.
    func run() async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) { await reload() }
    }

    func reload() async {
        do {
            let sources = configFiles.map(ConfigSource.file) + configDirectories.map(ConfigSource.directory)
            let config = try await AgentConfiguration.load(sources: sources, logger: logger)
            let level = config.logging.effectiveLevel
            AgentLogHandler.level.withLock { $0 = level }
            logger.notice("SIGHUP: log level reloaded", metadata: ["log.level": "\(level)"])
        } catch {
            logger.error("SIGHUP: configuration not reloaded", metadata: ["error": "\(error)"])
        }
    }
}
