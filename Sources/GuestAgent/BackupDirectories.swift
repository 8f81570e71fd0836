import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The local directories backups and restores work in (the backup directory, the restore log directories):
/// emptied before use and removed after, owned like the mount point so that the DB2 instance owner can write
/// there even when the agent runs as root. Blocking file-system work runs on ``BlockingThreadPool``.
enum BackupDirectories {
    /// Why a directory could not be prepared or removed.
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let operation: String
        let detail: String
        var description: String { "\(operation) \(path): \(detail)" }
    }

    /// Makes `path` an empty directory (removing whatever it held) owned by the owner of `ownerOf`.
    ///
    /// - Throws: ``Failure``.
    static func makeEmpty(_ path: String, ownedLike ownerOf: String) async throws {
        try await BlockingThreadPool.shared.run {
            try removeBlocking(path)
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw Failure(path: path, operation: "create directory", detail: "\(error)")
            }
            var owner = stat()
            if stat(ownerOf, &owner) == 0, geteuid() == 0 {
                guard chown(path, owner.st_uid, owner.st_gid) == 0 else {
                    throw Failure(path: path, operation: "chown", detail: String(cString: strerror(errno)))
                }
            }
            _ = chmod(path, 0o770)
        }
    }

    /// Removes `path` and everything under it; nothing happens when it does not exist.
    ///
    /// - Throws: ``Failure``.
    static func remove(_ path: String) async throws {
        try await BlockingThreadPool.shared.run { try removeBlocking(path) }
    }

    private static func removeBlocking(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw Failure(path: path, operation: "remove", detail: "\(error)")
        }
    }
}
