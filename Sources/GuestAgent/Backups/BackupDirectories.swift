import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The local directories backups and restores work in (the backup directory, the restore log directories), under
/// the mount point the DB2 instance owner controls: emptied before use and after, owned like the mount point so
/// that the instance owner can write there even when the agent runs as root.
///
/// Everything goes through ``DirectoryHandle``: descriptors, never a symbolic link the owner could have planted. A
/// directory that is a mount point of its own (a scratch volume for images, a common layout) is emptied, never
/// removed. Trees of any depth are removed (``DirectoryHandle/removeContents()``), so a hostile archive cannot make
/// a later clean-up fail. Failures are ``PathFailure``s: a sentence naming what could not be done to which path.
/// Blocking work runs on ``BlockingThreadPool``.
enum BackupDirectories {
    /// Makes `path` an empty directory owned by the owner of `ownerOf` (mode 0770): created when missing, emptied
    /// when it exists (a mount point stays mounted).
    ///
    /// - Throws: ``PathFailure``.
    static func makeEmpty(_ path: String, ownedLike ownerOf: String) async throws {
        try await BlockingThreadPool.shared.run {
            let owner = try DirectoryHandle.open(ownerOf).status()
            let directory = try DirectoryHandle.open(path, creatingMissing: 0o750)
            try directory.removeContents()
            if geteuid() == 0 { try directory.setOwner(uid: owner.st_uid, gid: owner.st_gid) }
            try directory.setMode(0o770)
        }
    }

    /// Removes `path` and everything under it; a mount point is only emptied. Nothing happens when it does not
    /// exist.
    ///
    /// - Throws: ``PathFailure``.
    static func remove(_ path: String) async throws {
        try await BlockingThreadPool.shared.run {
            let name = PathText.lastComponent(path)
            let parent: DirectoryHandle
            do throws(PathFailure) { parent = try DirectoryHandle.open(PathText.parent(path)) } catch where error.code == ENOENT {
                return
            }
            guard let info = try parent.status(of: name) else { return }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                try parent.removeFile(name)
                return
            }
            let directory = try parent.openDirectory(name)
            try directory.removeContents()
            let isMountPoint = try directory.status().st_dev != parent.status().st_dev
            if !isMountPoint { try parent.removeDirectory(name) }
        }
    }
}
