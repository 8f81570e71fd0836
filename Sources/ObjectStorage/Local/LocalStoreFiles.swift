import AgentSupport
#if canImport(Glibc)
import Glibc
#endif

/// The files of a ``LocalStorage``, reached only as `<root>/<container>/<name>`: container and name must each be
/// one path component (see ``ObjectNaming/componentProblem(_:)``), and they are opened with `openat` from the
/// root's descriptor with `O_NOFOLLOW`, so that neither is followed if it is a symbolic link. Whatever a
/// location or a manifest names, nothing outside the store is read or removed.
///
/// A refusal is thrown as the caller's error, `refuse(reason)`, so that it names the location or manifest that
/// asked; every reason says that the path would leave the store.
struct LocalStoreFiles: Sendable {
    /// The store's directory (``LocalStorage/directory``: the operator's, so it may itself be a link).
    let root: String

    /// Opens `<root>/<container>/<name>` for reading.
    func openForReading(
        container: String, name: String, refusing refuse: (String) -> ObjectStorageError
    ) throws(ObjectStorageError) -> OpenFile {
        let directory = try openContainer(container, name: name, refusing: refuse)
        defer { close(directory) }
        let path = self.path(container, name)
        let descriptor = SystemCalls.retryingInterrupted { openat(directory, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard descriptor >= 0 else {
            if errno == ELOOP { throw refuse("\(path) is a symbolic link, which could lead out of the store") }
            throw .localFile(path: path, operation: "open", errno: errno)
        }
        return OpenFile(descriptor: descriptor, path: path)
    }

    /// Checks that `<root>/<container>/<name>` is a regular file of the store (not a link) or absent.
    func checkRemovable(
        container: String, name: String, refusing refuse: (String) -> ObjectStorageError
    ) throws(ObjectStorageError) {
        guard let directory = try openExistingContainer(container, name: name, refusing: refuse) else { return }
        defer { close(directory) }
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw .localFile(path: path(container, name), operation: "stat", errno: errno)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw refuse("\(path(container, name)) is not a regular file of the store")
        }
    }

    /// Removes `<root>/<container>/<name>`; a missing one is fine.
    func remove(
        container: String, name: String, refusing refuse: (String) -> ObjectStorageError
    ) throws(ObjectStorageError) {
        guard let directory = try openExistingContainer(container, name: name, refusing: refuse) else { return }
        defer { close(directory) }
        guard unlinkat(directory, name, 0) == 0 || errno == ENOENT else {
            throw .localFile(path: path(container, name), operation: "unlink", errno: errno)
        }
    }

    /// ``openContainer(_:name:refusing:)``, or `nil` when the container does not exist.
    private func openExistingContainer(
        _ container: String, name: String, refusing refuse: (String) -> ObjectStorageError
    ) throws(ObjectStorageError) -> Int32? {
        do {
            return try openContainer(container, name: name, refusing: refuse)
        } catch .localFile(_, _, ENOENT) {
            return nil
        }
    }

    /// `<root>/<container>` opened as a directory, once both names are found to be single components.
    private func openContainer(
        _ container: String, name: String, refusing refuse: (String) -> ObjectStorageError
    ) throws(ObjectStorageError) -> Int32 {
        for (what, part) in [("container", container), ("name", name)] {
            if let problem = ObjectNaming.componentProblem(part) {
                throw refuse("its \(what) \(part.debugDescription) is \(problem), which could lead out of the store")
            }
            if part.contains("/") {
                throw refuse("its \(what) \(part.debugDescription) is not one component of the store")
            }
        }
        let rootDescriptor = SystemCalls.retryingInterrupted { open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard rootDescriptor >= 0 else { throw .localFile(path: root, operation: "open", errno: errno) }
        defer { close(rootDescriptor) }
        let descriptor = SystemCalls.retryingInterrupted {
            openat(rootDescriptor, container, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        guard descriptor >= 0 else {
            if errno == ELOOP || errno == ENOTDIR {
                throw refuse(
                    "\(root)/\(container) is a symbolic link or not a directory, which could lead out of the store")
            }
            throw .localFile(path: root + "/" + container, operation: "open", errno: errno)
        }
        return descriptor
    }

    private func path(_ container: String, _ name: String) -> String { root + "/" + container + "/" + name }
}
