import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How a lock file is held: shared by readers, exclusive for a writer.
enum FileLockMode {
    case shared
    case exclusive
}

/// Runs `body` while holding an `flock(2)` lock on `path` (created when missing). The kernel drops the lock when
/// the process dies, so a killed `db2` never leaves a lock behind.
///
/// - Throws: ``SystemCallError`` when the lock file cannot be opened or locked; whatever `body` throws.
func withFileLock<T>(_ path: String, _ mode: FileLockMode, _ body: () throws -> T) throws -> T {
    let file = try RawFile(path: path, flags: O_RDWR | O_CREAT, mode: 0o644)
    let operation = mode == .exclusive ? LOCK_EX : LOCK_SH
    while flock(file.descriptor, operation) != 0 {
        guard errno == EINTR else { throw SystemCallError("flock", path: path) }
    }
    defer { flock(file.descriptor, LOCK_UN) }
    return try body()
}
