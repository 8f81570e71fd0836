#if canImport(Glibc)
import Glibc
#endif

/// The agent's few wrappers around raw system calls: one place for what every caller of `read`, `write` and
/// friends must get right (a signal interrupting a call, a short write).
public enum SystemCalls {
    /// Runs a system call again while it fails with `EINTR` (a signal arrived before it did anything).
    @inlinable
    public static func retryingInterrupted<T: BinaryInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }

    /// Writes every byte of `bytes` to `descriptor`, going on after short writes and interruptions.
    ///
    /// - Returns: `nil`, or the `errno` of the write that failed.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = retryingInterrupted { write(descriptor, bytes.baseAddress! + offset, bytes.count - offset) }
            if written < 0 { return errno }
            if written == 0 { return EIO }
            offset += written
        }
        return nil
    }

    /// Reads up to `count` bytes into `buffer`, retrying interruptions.
    ///
    /// - Returns: the bytes read (0 at end of file), or -1 with `errno` set.
    public static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        retryingInterrupted { Glibc.read(descriptor, buffer, count) }
    }
}
