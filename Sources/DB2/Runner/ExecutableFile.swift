#if canImport(Glibc)
import Glibc
#endif

/// The one test of "is there a program at this path": a regular file (a directory with its x bit is not one) that
/// this process may execute.
enum ExecutableFile {
    /// Blocking (two system calls on a local path): off the cooperative pool where it can wait.
    static func exists(at path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }
}
