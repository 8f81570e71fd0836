#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Why the journal could not be written or read.
public enum OperationJournalError: Error, CustomStringConvertible {
    /// A file-system call failed.
    case io(path: String, operation: String, errno: Int32)
    /// A record file is not a record (it is left in place for an operator to look at).
    case corrupt(path: String, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            "operation journal: \(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .corrupt(let path, let reason): "operation journal: \(path) is not a valid record: \(reason)"
        }
    }
}
