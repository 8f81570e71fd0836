import Logging

/// Logging settings: oslo.log's `debug`, `log_file`, `log_dir`, `use_journal`, and the agent's `log_level`.
public struct LoggingOptions: Sendable, Equatable {
    /// `debug`.
    public let debug: Bool
    /// `log_level`, when set (it wins over `debug`).
    public let level: Logger.Level?
    /// `log_file`.
    public let logFile: String?
    /// `log_dir`.
    public let logDirectory: String?
    /// `use_journal`: journald priority prefixes on stderr.
    public let useJournal: Bool

    /// `log_level` if set, else `debug` → `.debug`, else `.info`.
    public var effectiveLevel: Logger.Level { level ?? (debug ? .debug : .info) }

    /// Where logs go, as oslo.log computes it: `log_dir/log_file`, `log_file`, `log_dir/trove-db2-agent.log`, or
    /// `nil` for stderr.
    public var logFilePath: String? {
        switch (logFile, logDirectory) {
        case let (file?, directory?): return file.hasPrefix("/") ? file : DB2Options.join(directory, file)
        case let (file?, nil): return file
        case let (nil, directory?): return DB2Options.join(directory, "trove-db2-agent.log")
        case (nil, nil): return nil
        }
    }
}

extension LoggingOptions {
    init(resolved: ResolvedOptions) {
        typealias T = OptionTable
        debug = resolved[T.debug]
        level = resolved[T.logLevel].flatMap(Logger.Level.init(rawValue:))
        logFile = resolved[T.logFile]
        logDirectory = resolved[T.logDir]
        useJournal = resolved[T.useJournal]
    }
}
