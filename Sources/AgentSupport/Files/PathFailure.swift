#if canImport(Glibc)
import Glibc
#endif

/// A file-system operation through ``DirectoryHandle`` that failed: what was done, on which path, and the system's
/// reason (`errno`).
///
/// A symbolic link that was not followed fails with `ELOOP` and says so in plain words, so that an operator reading
/// the message knows which link to remove.
public struct PathFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done, as a verb phrase: "open", "create", "change the owner of", "write"...
    public let operation: String
    /// The path concerned (for messages; the operation itself went through a descriptor).
    public let path: String
    /// The `errno` value.
    public let code: Int32
    /// Words that replace the system's text for `code`, when the agent knows better why it refused.
    public let reason: String?

    public init(_ operation: String, _ path: String, code: Int32, reason: String? = nil) {
        self.operation = operation
        self.path = path
        self.code = code
        self.reason = reason
    }

    /// Whether a symbolic link was refused (`ELOOP`).
    public var isSymbolicLink: Bool { code == ELOOP && reason == nil }

    public var description: String {
        if let reason { return "cannot \(operation) \(path): \(reason)" }
        if code == ELOOP {
            return "cannot \(operation) \(path): it is a symbolic link in a directory that a user other than root can "
                + "change, and the agent does not follow such links"
        }
        return "cannot \(operation) \(path): \(String(cString: strerror(code)))"
    }
}
