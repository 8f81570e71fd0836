/// The exit code of the `db2` command line processor: 0 success, 1 a SELECT or FETCH returned no rows, 2 a warning,
/// 4 a DB2 or SQL error, 8 a CLP system error. For an input file the CLP returns the OR of its statements' codes,
/// so the value is a set of these bits (IBM, *Command line processor return codes*).
public struct CLPReturnCode: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Bit 1: a query returned no rows (SQL0100W).
    public static let noRows = CLPReturnCode(rawValue: 1)
    /// Bit 2: a warning.
    public static let warning = CLPReturnCode(rawValue: 2)
    /// Bit 4: a DB2 or SQL error.
    public static let error = CLPReturnCode(rawValue: 4)
    /// Bit 8: a command line processor system error.
    public static let systemError = CLPReturnCode(rawValue: 8)

    /// True when neither an error nor a system error is set.
    public var succeeded: Bool { !contains(.error) && !contains(.systemError) }

    public var description: String { "CLP return code \(rawValue)" }
}
