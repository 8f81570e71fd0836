import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: what was attempted, on which path, and `errno`.
struct SystemCallError: Error, CustomStringConvertible {
    let operation: String
    let path: String
    let code: Int32

    init(_ operation: String, path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// True when the device or file system had no room left (ENOSPC, EDQUOT, EFBIG).
    var isNoSpace: Bool { code == ENOSPC || code == EDQUOT || code == EFBIG }

    var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}
