import Foundation

/// The files of one database under `<DFTDBPATH>/<instance>/NODE0000/SQLnnnnn/`.
struct DatabaseLocation: Sendable {
    /// The `SQLnnnnn` directory.
    let root: String

    /// The catalog, configuration and states (JSON), replaced atomically at each commit.
    var stateFile: String { "\(root)/SQLDBCONF.json" }

    /// The lock file: shared for readers, exclusive for writers.
    var lockFile: String { "\(root)/SQLDB.lock" }

    /// Table data files.
    var dataDirectory: String { "\(root)/DATA" }

    /// Active log files (`S0000000.LOG`, ...).
    var logDirectory: String { "\(root)/LOGSTREAM0000" }

    func dataFile(_ name: String) -> String { "\(dataDirectory)/\(name)" }

    func logFile(_ number: Int) -> String { "\(logDirectory)/\(LogFile.name(number))" }
}
