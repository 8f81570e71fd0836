#if canImport(Glibc)
import Glibc
#endif

/// A directory held open by descriptor, reached from `/` one component at a time without following a symbolic
/// link that anyone but root could have planted; every operation through it (`openat`, `mkdirat`, `unlinkat`,
/// `renameat`, `fchown`, `fchmod`) names an entry of *this* directory or the directory itself, never a path.
///
/// Why: the agent runs as root and works in directories that the DB2 instance owner controls (the mount point and
/// everything under it). A path-based `chown`, `chmod` or `open` there follows whatever link the owner put in
/// its place (`<mount>/ArchiveLogs -> /etc`), and the owner would become root. Through a descriptor, a link or a
/// rename swapped in after the directory was opened changes nothing.
///
/// Symbolic links are followed only where only root could have made them: in a directory owned by root that
/// neither its group nor others may write (`/lib -> usr/lib`, an operator's `/home -> /srv/home`). A link anywhere
/// else ends the walk with ``PathFailure`` (`ELOOP`) naming it. Entries of an opened directory are never followed
/// when they are links.
///
/// ```swift
/// let archive = try DirectoryHandle.ensureDirectory("/home/db2inst1/db2inst1/ArchiveLogs",
///                                                   uid: owner.uid, gid: owner.gid, mode: 0o750)
/// try archive.replaceFile("state", contents: bytes, mode: 0o600, uid: nil, gid: nil)
/// ```
///
/// Blocking (system calls on the file system): use it off the cooperative pool. The descriptor is closed when the
/// last reference goes; it is `Sendable` because it is immutable and the calls it makes are thread-safe.
public final class DirectoryHandle: Sendable {
    /// The open directory (`O_RDONLY | O_DIRECTORY`); valid as long as this object lives.
    public let descriptor: Int32
    /// The path it was reached by, for messages (links resolved; it may have been renamed since).
    public let path: String

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// How many symbolic links one walk may follow before it gives up (as the kernel's `MAXSYMLINKS`).
    static let linkLimit = 40

    // MARK: - Opening

    /// Opens the directory at the absolute `path`.
    ///
    /// - Parameter creatingMissing: when not nil, missing directories on the way are created (owned by the caller,
    ///   with this mode less the umask), as `mkdir -p` would.
    /// - Throws: ``PathFailure``: `ELOOP` for a link that is not followed, `ENOTDIR` for a component that is not a
    ///   directory, `ENOENT` for a missing one (when nothing is created), `EINVAL` for a relative path.
    public static func open(_ path: String, creatingMissing mode: mode_t? = nil) throws(PathFailure) -> DirectoryHandle {
        guard path.hasPrefix("/") else { throw PathFailure("open", path, code: EINVAL, reason: "not an absolute path") }
        let root = SystemCalls.retryingInterrupted { Glibc.open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard root >= 0 else { throw PathFailure("open", "/", code: errno) }
        var stack = [DirectoryHandle(descriptor: root, path: "/")]
        var pending = Array(components(of: path).reversed())
        var linksFollowed = 0
        while let name = pending.popLast() {
            if name == "." { continue }
            if name == ".." {
                if stack.count > 1 { stack.removeLast() }
                continue
            }
            let current = stack[stack.count - 1]
            let name = String(name)
            if let child = try current.openChild(name, creating: mode) {
                stack.append(child)
                continue
            }
            // A symbolic link: followed only when the directory that holds it is root's alone.
            guard current.isWritableOnlyByRoot() else { throw PathFailure("open", current.child(name), code: ELOOP) }
            linksFollowed += 1
            guard linksFollowed <= linkLimit else {
                throw PathFailure("open", path, code: ELOOP, reason: "more than \(linkLimit) symbolic links")
            }
            let target = try current.linkTarget(name)
            if target.hasPrefix("/") { stack.removeSubrange(1...) }
            pending.append(contentsOf: components(of: target).reversed())
        }
        return stack[stack.count - 1]
    }

    /// Creates the directory at `path` (and missing parents, mode 0755 less the umask) when it does not exist, then
    /// gives the directory itself `mode` and, when `uid`/`gid` are not nil, that owner, through its descriptor.
    ///
    /// - Throws: ``PathFailure`` as ``open(_:creatingMissing:)``, or for `fchown`/`fchmod`.
    @discardableResult
    public static func ensureDirectory(_ path: String, uid: uid_t?, gid: gid_t?, mode: mode_t) throws(PathFailure)
        -> DirectoryHandle
    {
        let directory = try open(path, creatingMissing: 0o755)
        if uid != nil || gid != nil { try directory.setOwner(uid: uid, gid: gid) }
        try directory.setMode(mode)
        return directory
    }

    /// The sub-directory `name` of this directory (a link there is refused).
    ///
    /// - Throws: ``PathFailure``: `ENOENT`, `ENOTDIR`, `ELOOP` for a link.
    public func openDirectory(_ name: String) throws(PathFailure) -> DirectoryHandle {
        try Self.checkName(name, "open", in: self)
        guard let child = try openChild(name, creating: nil) else { throw PathFailure("open", child(name), code: ELOOP) }
        return child
    }

    /// The sub-directory `name`, created with `mode` (less the umask) when it does not exist.
    ///
    /// - Throws: ``PathFailure`` as ``openDirectory(_:)``.
    public func makeDirectory(_ name: String, mode: mode_t) throws(PathFailure) -> DirectoryHandle {
        try Self.checkName(name, "create", in: self)
        guard let child = try openChild(name, creating: mode) else { throw PathFailure("open", child(name), code: ELOOP) }
        return child
    }

    // MARK: - The directory itself

    /// `fchown`: `nil` leaves that id as it is.
    public func setOwner(uid: uid_t?, gid: gid_t?) throws(PathFailure) {
        guard fchown(descriptor, uid ?? uid_t.max, gid ?? gid_t.max) == 0 else {
            throw PathFailure("change the owner of", path, code: errno)
        }
    }

    /// `fchmod`.
    public func setMode(_ mode: mode_t) throws(PathFailure) {
        guard fchmod(descriptor, mode) == 0 else { throw PathFailure("change the mode of", path, code: errno) }
    }

    /// The owner and mode of the regular file `name`, set through a descriptor opened without following a link (a
    /// link planted there is refused, never followed).
    public func setOwnerAndMode(of name: String, uid: uid_t?, gid: gid_t?, mode: mode_t) throws(PathFailure) {
        try Self.checkName(name, "change the owner of", in: self)
        let file = SystemCalls.retryingInterrupted { openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard file >= 0 else { throw PathFailure("open", child(name), code: errno) }
        defer { close(file) }
        guard fchown(file, uid ?? uid_t.max, gid ?? gid_t.max) == 0 else {
            throw PathFailure("change the owner of", child(name), code: errno)
        }
        guard fchmod(file, mode) == 0 else { throw PathFailure("change the mode of", child(name), code: errno) }
    }

    /// `fsync` of the directory: the entries created, renamed or removed in it survive a power cut.
    public func sync() throws(PathFailure) {
        guard SystemCalls.retryingInterrupted({ fsync(descriptor) }) == 0 else { throw PathFailure("sync", path, code: errno) }
    }

    /// `fstat` of the directory.
    public func status() throws(PathFailure) -> stat {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw PathFailure("inspect", path, code: errno) }
        return info
    }

    /// Takes `flock`'s exclusive lock on the directory without waiting; false when another open descriptor (in
    /// this process or another) holds it. The lock goes with the descriptor.
    public func tryLock() -> Bool {
        SystemCalls.retryingInterrupted { flock(descriptor, LOCK_EX | LOCK_NB) } == 0
    }

    // MARK: - Entries

    /// The names in the directory (without `.` and `..`).
    public func entryNames() throws(PathFailure) -> [String] {
        let copy = dup(descriptor)
        guard copy >= 0, let stream = fdopendir(copy) else {
            let code = errno
            if copy >= 0 { close(copy) }
            throw PathFailure("list", path, code: code)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `fstatat` of the entry `name` without following it; nil when there is none.
    public func status(of name: String) throws(PathFailure) -> stat? {
        try Self.checkName(name, "inspect", in: self)
        var info = stat()
        guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw PathFailure("inspect", child(name), code: errno)
        }
        return info
    }

    /// The contents of the regular file `name`, or nil when there is none.
    ///
    /// - Throws: ``PathFailure``: `ELOOP` for a link, `EINVAL` for something that is not a regular file (a FIFO
    ///   would otherwise block the reader for ever), `EFBIG` past `limit` bytes.
    public func readFile(_ name: String, limit: Int) throws(PathFailure) -> [UInt8]? {
        try Self.checkName(name, "read", in: self)
        let file = SystemCalls.retryingInterrupted {
            openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        }
        guard file >= 0 else {
            if errno == ENOENT { return nil }
            throw PathFailure("read", child(name), code: errno)
        }
        defer { close(file) }
        var info = stat()
        guard fstat(file, &info) == 0 else { throw PathFailure("read", child(name), code: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw PathFailure("read", child(name), code: EINVAL, reason: "not a regular file")
        }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { bytes in
                SystemCalls.read(file, into: bytes.baseAddress!, count: bytes.count)
            }
            guard count >= 0 else { throw PathFailure("read", child(name), code: errno) }
            if count == 0 { return contents }
            guard contents.count + count <= limit else {
                throw PathFailure("read", child(name), code: EFBIG, reason: "larger than \(limit) bytes")
            }
            contents += buffer[0..<count]
        }
    }

    /// Creates the file `name`, which must not exist (a link of that name is not followed), with `contents`,
    /// `mode` and, when `uid`/`gid` are not nil, that owner. Not synced: for scratch files.
    ///
    /// - Throws: ``PathFailure``: `EEXIST` when `name` exists.
    public func writeNewFile(_ name: String, contents: [UInt8], mode: mode_t, uid: uid_t?, gid: gid_t?)
        throws(PathFailure)
    {
        try Self.checkName(name, "create", in: self)
        try writeNew(name, displayName: name, contents: contents, mode: mode, uid: uid, gid: gid, sync: false)
    }

    /// Replaces the file `name` (or creates it) atomically and durably: a new file beside it with `contents`,
    /// `mode` and owner, synced, renamed over `name`, then the directory synced. What `name` was (a file, a link)
    /// is replaced, never written through.
    ///
    /// - Throws: ``PathFailure``; the temporary file is removed again.
    public func replaceFile(_ name: String, contents: [UInt8], mode: mode_t, uid: uid_t?, gid: gid_t?)
        throws(PathFailure)
    {
        try Self.checkName(name, "write", in: self)
        let temporary = ".\(name).\(RandomIdentifier.hex128().prefix(12)).tmp"
        try writeNew(temporary, displayName: name, contents: contents, mode: mode, uid: uid, gid: gid, sync: true)
        guard renameat(descriptor, temporary, descriptor, name) == 0 else {
            let code = errno
            unlinkat(descriptor, temporary, 0)
            throw PathFailure("write", child(name), code: code)
        }
        try sync()
    }

    /// Removes the entry `name` (a file or a link, never what a link points to); none is fine.
    public func removeFile(_ name: String) throws(PathFailure) {
        try Self.checkName(name, "remove", in: self)
        guard unlinkat(descriptor, name, 0) == 0 || errno == ENOENT else {
            throw PathFailure("remove", child(name), code: errno)
        }
    }

    /// Removes the empty sub-directory `name`; none is fine.
    ///
    /// - Throws: ``PathFailure``: `ENOTEMPTY`, `ENOTDIR` (a link of that name is not removed).
    public func removeDirectory(_ name: String) throws(PathFailure) {
        try Self.checkName(name, "remove", in: self)
        guard unlinkat(descriptor, name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
            throw PathFailure("remove", child(name), code: errno)
        }
    }

    // MARK: - Internals

    /// The path of the entry `name`, for messages.
    func child(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// Opens the sub-directory `name` without following it (creating it first with `mode` when asked); nil when
    /// it is a symbolic link.
    private func openChild(_ name: String, creating mode: mode_t?) throws(PathFailure) -> DirectoryHandle? {
        var created = false
        while true {
            let opened = SystemCalls.retryingInterrupted {
                openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if opened >= 0 { return DirectoryHandle(descriptor: opened, path: child(name)) }
            let code = errno
            if code == ENOENT, let mode, !created {
                guard mkdirat(descriptor, name, mode) == 0 || errno == EEXIST else {
                    throw PathFailure("create", child(name), code: errno)
                }
                created = true
                continue
            }
            // O_NOFOLLOW | O_DIRECTORY on a link fails with ELOOP or ENOTDIR: tell the two apart.
            if code == ELOOP || code == ENOTDIR, let info = try? status(of: name), info.st_mode & S_IFMT == S_IFLNK {
                return nil
            }
            throw PathFailure("open", child(name), code: code)
        }
    }

    /// Whether only root can add, remove or rename entries here (owner root, no write for group or others).
    private func isWritableOnlyByRoot() -> Bool {
        guard let info = try? status() else { return false }
        return info.st_uid == 0 && info.st_mode & 0o022 == 0
    }

    private func linkTarget(_ name: String) throws(PathFailure) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlinkat(descriptor, name, &buffer, buffer.count - 1)
        guard length > 0 else { throw PathFailure("follow", child(name), code: length == 0 ? ENOENT : errno) }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func writeNew(
        _ name: String, displayName: String, contents: [UInt8], mode: mode_t, uid: uid_t?, gid: gid_t?, sync: Bool
    ) throws(PathFailure) {
        let file = SystemCalls.retryingInterrupted {
            openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        guard file >= 0 else { throw PathFailure("create", child(displayName), code: errno) }
        do throws(PathFailure) {
            defer { close(file) }
            if uid != nil || gid != nil, fchown(file, uid ?? uid_t.max, gid ?? gid_t.max) != 0 {
                throw PathFailure("change the owner of", child(displayName), code: errno)
            }
            guard fchmod(file, mode) == 0 else { throw PathFailure("change the mode of", child(displayName), code: errno) }
            if let code = contents.withUnsafeBytes({ SystemCalls.writeAll(file, $0) }) {
                throw PathFailure("write", child(displayName), code: code)
            }
            if sync, SystemCalls.retryingInterrupted({ fsync(file) }) != 0 { throw PathFailure("sync", child(displayName), code: errno) }
        } catch {
            unlinkat(descriptor, name, 0)
            throw error
        }
    }

    /// Refuses a `name` that is not one entry of a directory.
    private static func checkName(_ name: String, _ operation: String, in directory: DirectoryHandle)
        throws(PathFailure)
    {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.utf8.contains(0) else {
            throw PathFailure(operation, directory.child(name), code: EINVAL, reason: "not a name within \(directory.path)")
        }
    }

    private static func components(of path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
