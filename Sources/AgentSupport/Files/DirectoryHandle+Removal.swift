#if canImport(Glibc)
import Glibc
#endif

extension DirectoryHandle {
    /// Removes everything in the directory (not the directory itself), whatever the depth of the tree.
    ///
    /// Entries are removed, never followed: a symbolic link is unlinked, a sub-directory is entered by descriptor
    /// (refusing a link). Only one descriptor is held below the directory at any time: each level is left by its
    /// `..`, which must be the very directory (device and inode) that was entered from, so a tree thousands of
    /// levels deep (a hostile archive) is removed without a path-length or descriptor limit, and a tree changed
    /// underneath fails with an error naming where, instead of removing something else.
    ///
    /// - Throws: ``PathFailure``.
    public func removeContents() throws(PathFailure) {
        var current = self
        // The directories entered, outermost first: their parent's identity and the name entered.
        var trail: [(device: UInt64, inode: UInt64, name: String)] = []
        while true {
            var subdirectory: String?
            for name in try current.entryNames() {
                guard let info = try current.status(of: name) else { continue }
                if info.st_mode & S_IFMT == S_IFDIR {
                    if subdirectory == nil { subdirectory = name }
                } else {
                    try current.removeFile(name)
                }
            }
            if let name = subdirectory {
                let here = try current.status()
                let child = try current.openDirectory(name)
                trail.append((UInt64(here.st_dev), UInt64(here.st_ino), name))
                current = child
                continue
            }
            guard let level = trail.popLast() else { return }
            let parent = try current.openParent()
            let info = try parent.status()
            guard UInt64(info.st_dev) == level.device, UInt64(info.st_ino) == level.inode else {
                throw PathFailure(
                    "remove the contents of", path, code: ESTALE,
                    reason: "the tree changed while it was removed (\(current.path) was moved)")
            }
            current = parent
            try current.removeDirectory(level.name)
        }
    }

    /// The directory's parent, by `..`.
    func openParent() throws(PathFailure) -> DirectoryHandle {
        let opened = SystemCalls.retryingInterrupted {
            openat(descriptor, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        guard opened >= 0 else { throw PathFailure("open the parent of", path, code: errno) }
        return DirectoryHandle(descriptor: opened, path: PathText.parent(path))
    }
}
