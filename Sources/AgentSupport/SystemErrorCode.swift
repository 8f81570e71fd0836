#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The `errno` behind an error thrown by FoundationEssentials' file APIs (`FileManager`, `Data(contentsOf:)`),
/// for messages that name the system's reason.
public enum SystemErrorCode {
    /// The POSIX code of `error` or of the error it wraps; `EIO` when there is none.
    public static func of(_ error: any Error) -> Int32 {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        if let posix = (error as? CocoaError)?.underlying as? POSIXError { return posix.code.rawValue }
        return EIO
    }
}
