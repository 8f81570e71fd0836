import AgentSupport
#if canImport(Glibc)
import Glibc
#endif

/// A file that must not exist yet, created with mode 0600 and written from its start: the output of
/// ``FileStreamCodec``. ``finish()`` syncs it to stable storage; ``discard()`` removes it after a failure, so a
/// half-written file never passes for a whole one.
///
/// Blocking: use it from pipeline threads or ``AgentSupport/BlockingThreadPool``. `@unchecked Sendable`: the
/// descriptor is immutable, and `write`/`finish` are called by one pipeline stage at a time.
final class NewFileSink: ByteSink, @unchecked Sendable {
    let path: String
    private let descriptor: Int32

    /// Creates the file (never through a symbolic link: `O_EXCL | O_NOFOLLOW`).
    ///
    /// - Throws: ``BackupStreamError/fileSystem(path:operation:errno:)`` (`EEXIST` when it exists).
    init(creating path: String) throws(BackupStreamError) {
        let descriptor = SystemCalls.retryingInterrupted {
            open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        }
        guard descriptor >= 0 else { throw .errno(path, "create") }
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    func write(_ chunk: [UInt8]) throws {
        if let code = chunk.withUnsafeBytes({ SystemCalls.writeAll(descriptor, $0) }) {
            throw BackupStreamError.errno(path, "write", code)
        }
    }

    /// Flushes the file to stable storage.
    func finish() throws {
        guard SystemCalls.retryingInterrupted({ fsync(descriptor) }) == 0 else { throw BackupStreamError.errno(path, "sync") }
    }

    /// Removes the file (after a failure).
    func discard() {
        unlink(path)
    }
}
