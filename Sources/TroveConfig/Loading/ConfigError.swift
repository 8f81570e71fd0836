/// Why the configuration cannot be used: start-up stops with this error.
///
/// The ``description`` reads `file:line: what is wrong`, like a compiler diagnostic: it names the option, the
/// bad value (never the value of a secret option) and what would be accepted. When no single line is at fault
/// (a file that cannot be read, a required option that is missing), the line, and sometimes the file, is left out.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem this is, for callers that react differently (exit codes, tests).
    public enum Kind: Sendable, Equatable {
        /// A configuration file or directory could not be read.
        case unreadableFile
        /// A file is not valid oslo.config INI syntax.
        case malformedFile
        /// An option's value has the wrong type, is out of range, or is not one of the allowed choices.
        case invalidValue
        /// A required option (`guest_id`) is set nowhere.
        case missingRequiredOption
        /// A value is well-formed but this agent cannot work with it (another datastore, another transport).
        case unsupportedSetting
    }

    /// What kind of problem this is.
    public let kind: Kind
    /// The file at fault, as it was given to the loader.
    public let file: String?
    /// The 1-based line at fault in ``file``.
    public let line: Int?
    /// What is wrong and what is allowed instead, without the location.
    public let message: String

    /// Creates an error; prefer the loader's errors to making your own.
    public init(_ kind: Kind, file: String?, line: Int?, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, `file: message`, or just the message.
    public var description: String {
        switch (file, line) {
        case let (file?, line?): return "\(file):\(line): \(message)"
        case let (file?, nil): return "\(file): \(message)"
        default: return message
        }
    }
}
