import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// An open file descriptor for positioned reads and writes, closed when the last reference goes.
///
/// `Sendable`: its state is immutable, and `pread`/`pwrite` at explicit offsets are safe from several threads.
final class OpenFile: Sendable {
    let descriptor: Int32
    /// The path it was opened at (for error messages; it may have been renamed or unlinked since).
    let path: String

    /// Takes ownership of an open `descriptor` (``LocalStoreFiles`` opens files relative to a directory).
    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// Creates a new file (it must not exist), read-write, mode 0600.
    static func createNew(at path: String) throws(ObjectStorageError) -> OpenFile {
        let descriptor = SystemCalls.retryingInterrupted { open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        guard descriptor >= 0 else { throw .localFile(path: path, operation: "create", errno: errno) }
        return OpenFile(descriptor: descriptor, path: path)
    }

    /// Opens an existing file for reading.
    static func openForReading(at path: String) throws(ObjectStorageError) -> OpenFile {
        let descriptor = SystemCalls.retryingInterrupted { open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw .localFile(path: path, operation: "open", errno: errno) }
        return OpenFile(descriptor: descriptor, path: path)
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(ObjectStorageError) {
        var done = 0
        while done < bytes.count {
            let written = SystemCalls.retryingInterrupted {
                pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            guard written > 0 else { throw .localFile(path: path, operation: "write", errno: written == 0 ? EIO : errno) }
            done += written
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(ObjectStorageError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = SystemCalls.retryingInterrupted { pread(descriptor, base, buffer.count, off_t(offset)) }
        guard count >= 0 else { throw .localFile(path: path, operation: "read", errno: errno) }
        return count
    }

    /// Flushes the file's data to stable storage.
    func sync() throws(ObjectStorageError) {
        guard SystemCalls.retryingInterrupted({ fsync(descriptor) }) == 0 else {
            throw .localFile(path: path, operation: "fsync", errno: errno)
        }
    }

    /// The file's size.
    func size() throws(ObjectStorageError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .localFile(path: path, operation: "stat", errno: errno) }
        return Int64(info.st_size)
    }
}
