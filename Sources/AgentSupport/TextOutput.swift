#if canImport(Glibc)
import Glibc
#endif

/// Text written straight to a file descriptor (standard error by default), without buffering, for log lines and
/// progress lines that must appear whole and at once.
public enum TextOutput {
    /// Writes all of `text` to `descriptor`, retrying short writes and interruptions; other errors drop the text
    /// (there is nowhere left to report them).
    public static func write(_ text: String, to descriptor: Int32 = STDERR_FILENO) {
        _ = Array(text.utf8).withUnsafeBytes { SystemCalls.writeAll(descriptor, $0) }
    }
}
