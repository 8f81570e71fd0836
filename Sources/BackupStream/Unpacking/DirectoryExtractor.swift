import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// Writes tar members into a target directory, safely: every path is opened component by component with
/// `O_NOFOLLOW` from the target's descriptor, so nothing is ever written through a symbolic link or outside the
/// target, whatever the archive holds.
///
/// Refuses members outside the archive root, `..` components, links that lead outside, devices and FIFOs, and a
/// target that is itself a symbolic link. Restores contents, permission bits and mtimes (to the nanosecond when
/// the archive has them). Never the archive's owners, nor setuid, setgid or sticky bits: everything restored
/// belongs to the ``RestoredOwner`` given, so a backup cannot plant a setuid-root program or give a file to an
/// account of its choosing. Optionally bounded: the bytes of file contents written, and the free space left on
/// the target's file system. Directory metadata is applied at the end, deepest first, so read-only directories
/// can still be filled. Used by one thread.
final class DirectoryExtractor: TarMemberConsumer {
    /// Counts of what was restored.
    struct Counts {
        var files = 0
        var directories = 0
        var symlinks = 0
        var hardlinks = 0
        var fileBytes: Int64 = 0
    }

    private struct PendingDirectory {
        var components: [[UInt8]]
        var header: TarMemberHeader
    }

    private struct OpenFile {
        var parent: Int32
        var name: [UInt8]
        var fd: Int32
        var header: TarMemberHeader
        var path: String
        var written: Int64 = 0
    }

    /// Permission bits restored: setuid, setgid and sticky bits are dropped.
    static let restoredModeBits: mode_t = 0o777
    /// How many bytes of file contents are written between two looks at the free space.
    static let freeSpaceCheckInterval: Int64 = 16 << 20

    let target: URL
    private let targetFD: Int32
    private let uid: uid_t
    private let gid: gid_t
    private let maximumFileBytes: Int64?
    private let minimumFreeBytes: Int64?
    private var nextFreeSpaceCheck: Int64 = 0
    private let logger: Logger
    private var mapper = ArchivePathMapper()
    private var pendingDirectories: [PendingDirectory] = []
    private var openFile: OpenFile?
    private(set) var counts = Counts()

    /// Opens (creating it and its parents if needed) the target directory, which must not be a symbolic link.
    ///
    /// - Parameters:
    ///   - maximumFileBytes: most bytes of file contents to write (``BackupUnpackOptions/maximumUnpackedBytes``).
    ///   - minimumFreeBytes: free bytes to leave on the target's file system
    ///     (``BackupUnpackOptions/minimumFreeBytes``).
    /// - Throws: ``BackupStreamError/fileSystem(path:operation:errno:)``, or
    ///   ``BackupStreamError/invalidOptions(_:)`` for a target that is a symbolic link.
    init(
        target: URL, owner: RestoredOwner, maximumFileBytes: Int64?, minimumFreeBytes: Int64?, logger: Logger
    ) throws(BackupStreamError) {
        self.target = target
        self.maximumFileBytes = maximumFileBytes
        self.minimumFreeBytes = minimumFreeBytes
        self.logger = logger
        do {
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: target.path, operation: "mkdir", errno: Self.errnoOf(error))
        }
        // Not followed if it is a link: whoever controls the target's parent could point it anywhere.
        let fd = open(target.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP || errno == ENOTDIR {
                throw .invalidOptions("the restore target \(target.path) is a symbolic link or not a directory")
            }
            throw BackupStreamError.errno(target.path, "open")
        }
        switch owner {
        case .process:
            (uid, gid) = (geteuid(), getegid())
        case .ids(let ownerUID, let ownerGID):
            (uid, gid) = (ownerUID, ownerGID)
        case .targetDirectory:
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                let code = errno
                close(fd)
                throw BackupStreamError.errno(target.path, "stat", code)
            }
            (uid, gid) = (info.st_uid, info.st_gid)
        }
        targetFD = fd
    }

    deinit {
        abort()
        close(targetFD)
    }

    func beginMember(_ header: TarMemberHeader, offset: Int64) throws {
        let isDirectory = header.kind == .directory
        let components = try mapper.components(of: header.name, isDirectory: isDirectory)
        let path = displayPath(components)
        switch header.kind {
        case .directory:
            if !components.isEmpty { try makeDirectory(components, path: path) }
            pendingDirectories.append(PendingDirectory(components: components, header: header))
            counts.directories += 1
        case .regular:
            try startFile(components, header: header, path: path)
        case .symlink:
            try ArchivePathMapper.checkSymlinkTarget(header.linkName, linkComponents: components, name: header.displayName)
            try makeSymlink(components, header: header, path: path)
            counts.symlinks += 1
        case .hardlink:
            try makeHardlink(components, header: header, path: path)
            counts.hardlinks += 1
        case .other(let flag):
            throw BackupStreamError.unsupportedMember(name: header.displayName, type: TarMemberHeader.describe(typeFlag: flag))
        }
    }

    func memberData(_ bytes: UnsafeRawBufferPointer) throws {
        guard var file = openFile else { return }
        try checkRoom(for: Int64(bytes.count))
        if let code = SystemCalls.writeAll(file.fd, bytes) { throw BackupStreamError.errno(file.path, "write", code) }
        file.written += Int64(bytes.count)
        counts.fileBytes += Int64(bytes.count)
        openFile = file
    }

    func endMember() throws {
        guard let file = openFile else { return }
        openFile = nil
        defer {
            close(file.parent)
        }
        var failure: BackupStreamError?
        if fchown(file.fd, uid, gid) != 0 { failure = .errno(file.path, "chown") }
        if failure == nil, fchmod(file.fd, Self.mode(file.header)) != 0 { failure = .errno(file.path, "chmod") }
        var times = Self.times(file.header.mtime)
        if failure == nil, futimens(file.fd, &times) != 0 { failure = .errno(file.path, "set mtime of") }
        if close(file.fd) != 0, failure == nil { failure = .errno(file.path, "close") }
        if let failure {
            _ = FileNameBytes.withCString(file.name) { unlinkat(file.parent, $0, 0) }
            throw failure
        }
        counts.files += 1
    }

    /// Applies the directories' modes, owners and mtimes, deepest first (after their contents are written).
    ///
    /// - Throws: ``BackupStreamError/fileSystem(path:operation:errno:)``.
    func finish() throws {
        precondition(openFile == nil, "finish while a file is open")
        for directory in pendingDirectories.reversed() {
            let path = displayPath(directory.components)
            let fd = directory.components.isEmpty ? dup(targetFD) : try openDirectory(directory.components[...], create: false)
            guard fd >= 0 else { throw BackupStreamError.errno(path, "open") }
            defer { close(fd) }
            guard fchown(fd, uid, gid) == 0 else { throw BackupStreamError.errno(path, "chown") }
            guard fchmod(fd, Self.mode(directory.header)) == 0 else { throw BackupStreamError.errno(path, "chmod") }
            var times = Self.times(directory.header.mtime)
            guard futimens(fd, &times) == 0 else { throw BackupStreamError.errno(path, "set mtime of") }
        }
        pendingDirectories = []
    }

    /// Removes the file being written, if any (the stream failed in its middle): no truncated file is left
    /// looking complete.
    func abort() {
        guard let file = openFile else { return }
        openFile = nil
        close(file.fd)
        _ = FileNameBytes.withCString(file.name) { unlinkat(file.parent, $0, 0) }
        close(file.parent)
        logger.debug("removed partly restored file", metadata: ["backup.path": "\(file.path)"])
    }

    // MARK: - Members

    private func startFile(_ components: [[UInt8]], header: TarMemberHeader, path: String) throws {
        guard let name = components.last else {
            throw BackupStreamError.unsafeMember(name: header.displayName, reason: "a file cannot replace the root")
        }
        let parent = try openDirectory(components.dropLast(), create: true)
        var fd: Int32 = -1
        do {
            fd = try withReplacement(parent: parent, name: name, path: path, operation: "create") {
                openat(parent, $0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            }
        } catch {
            close(parent)
            throw error
        }
        openFile = OpenFile(parent: parent, name: name, fd: fd, header: header, path: path)
    }

    private func makeDirectory(_ components: [[UInt8]], path: String) throws {
        let parent = try openDirectory(components.dropLast(), create: true)
        defer { close(parent) }
        let name = components[components.count - 1]
        if FileNameBytes.withCString(name, { mkdirat(parent, $0, 0o700) }) == 0 { return }
        guard errno == EEXIST else { throw BackupStreamError.errno(path, "mkdir") }
        switch Self.fileType(parent, name) {
        case S_IFDIR: return
        case S_IFLNK:
            throw BackupStreamError.unsafeMember(name: path, reason: "a symbolic link is in the way of this directory")
        default:
            guard FileNameBytes.withCString(name, { unlinkat(parent, $0, 0) }) == 0,
                FileNameBytes.withCString(name, { mkdirat(parent, $0, 0o700) }) == 0
            else { throw BackupStreamError.errno(path, "replace with a directory") }
        }
    }

    private func makeSymlink(_ components: [[UInt8]], header: TarMemberHeader, path: String) throws {
        guard let name = components.last else {
            throw BackupStreamError.unsafeMember(name: header.displayName, reason: "a link cannot replace the root")
        }
        let parent = try openDirectory(components.dropLast(), create: true)
        defer { close(parent) }
        let linkTarget = header.linkName + [0]
        _ = try withReplacement(parent: parent, name: name, path: path, operation: "symlink") { namePointer in
            linkTarget.withUnsafeBufferPointer { symlinkat(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), parent, namePointer) }
        }
        guard FileNameBytes.withCString(name, { fchownat(parent, $0, uid, gid, AT_SYMLINK_NOFOLLOW) }) == 0 else {
            throw BackupStreamError.errno(path, "chown")
        }
        var times = Self.times(header.mtime)
        guard FileNameBytes.withCString(name, { utimensat(parent, $0, &times, AT_SYMLINK_NOFOLLOW) }) == 0 else {
            throw BackupStreamError.errno(path, "set mtime of")
        }
    }

    private func makeHardlink(_ components: [[UInt8]], header: TarMemberHeader, path: String) throws {
        guard let name = components.last else {
            throw BackupStreamError.unsafeMember(name: header.displayName, reason: "a link cannot replace the root")
        }
        let targetComponents = try mapper.componentsOfExistingMember(header.linkName)
        guard !targetComponents.isEmpty else {
            throw BackupStreamError.unsafeMember(name: header.displayName, reason: "hard link to the root directory")
        }
        let targetParent = try openDirectory(targetComponents.dropLast(), create: false)
        defer { close(targetParent) }
        let parent = try openDirectory(components.dropLast(), create: true)
        defer { close(parent) }
        let targetName = targetComponents[targetComponents.count - 1] + [0]
        guard Self.fileType(targetParent, targetComponents[targetComponents.count - 1]) == S_IFREG else {
            throw BackupStreamError.unsafeMember(
                name: header.displayName,
                reason: "hard link to \"\(String(decoding: header.linkName, as: UTF8.self))\", which is not a regular file restored before it")
        }
        _ = try withReplacement(parent: parent, name: name, path: path, operation: "link") { namePointer in
            targetName.withUnsafeBufferPointer {
                linkat(targetParent, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), parent, namePointer, 0)
            }
        }
    }

    // MARK: - Safe path operations

    /// Opens the directory at `components` under the target without following any symbolic link, creating
    /// missing directories (mode 0755, the restore's owner) when `create` is set. The caller closes the descriptor.
    private func openDirectory(_ components: ArraySlice<[UInt8]>, create: Bool) throws -> Int32 {
        var fd = dup(targetFD)
        guard fd >= 0 else { throw BackupStreamError.errno(target.path, "dup") }
        var walked: [[UInt8]] = []
        for component in components {
            walked.append(component)
            var next = FileNameBytes.withCString(component) { openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            var created = false
            if next < 0, errno == ENOENT, create {
                if FileNameBytes.withCString(component, { mkdirat(fd, $0, 0o755) }) == 0 {
                    created = true
                } else if errno != EEXIST {
                    let code = errno
                    close(fd)
                    throw BackupStreamError.errno(displayPath(walked), "mkdir", code)
                }
                next = FileNameBytes.withCString(component) { openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            }
            let code = errno
            close(fd)
            if next >= 0, created, fchown(next, uid, gid) != 0 {
                let code = errno
                close(next)
                throw BackupStreamError.errno(displayPath(walked), "chown", code)
            }
            guard next >= 0 else {
                if code == ELOOP || code == ENOTDIR {
                    throw BackupStreamError.unsafeMember(
                        name: displayPath(walked), reason: "a path component is a symbolic link or not a directory")
                }
                throw BackupStreamError.errno(displayPath(walked), "open", code)
            }
            fd = next
        }
        return fd
    }

    /// Runs `create(name)`; when the name exists (and is not a directory), removes it and tries once more, as
    /// tar replaces existing files.
    private func withReplacement(
        parent: Int32, name: [UInt8], path: String, operation: String, _ create: (UnsafePointer<CChar>) -> Int32
    ) throws -> Int32 {
        var result = FileNameBytes.withCString(name, create)
        if result < 0, errno == EEXIST {
            guard Self.fileType(parent, name) != S_IFDIR else {
                throw BackupStreamError.unsafeMember(name: path, reason: "a directory is in the way")
            }
            guard FileNameBytes.withCString(name, { unlinkat(parent, $0, 0) }) == 0 else {
                throw BackupStreamError.errno(path, "remove the existing")
            }
            result = FileNameBytes.withCString(name, create)
        }
        guard result >= 0 else { throw BackupStreamError.errno(path, operation) }
        return result
    }

    private static func fileType(_ parent: Int32, _ name: [UInt8]) -> mode_t {
        var info = stat()
        guard FileNameBytes.withCString(name, { fstatat(parent, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else { return 0 }
        return info.st_mode & S_IFMT
    }

    private static func times(_ mtime: TarMemberHeader.Timestamp) -> [timespec] {
        let time = timespec(tv_sec: Int(mtime.seconds), tv_nsec: Int(mtime.nanoseconds))
        return [time, time]
    }

    private func displayPath(_ components: some Collection<[UInt8]>) -> String {
        let relative = components.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
        return relative.isEmpty ? target.path : target.path + "/" + relative
    }

    // MARK: - Modes and limits

    /// The permission bits of a member, without setuid, setgid and sticky bits.
    private static func mode(_ header: TarMemberHeader) -> mode_t {
        mode_t(header.mode) & restoredModeBits
    }

    /// Refuses to write `count` more bytes beyond the limit on file contents, or when the target's file system
    /// would keep less than the free space asked for (looked at every ``freeSpaceCheckInterval`` bytes).
    private func checkRoom(for count: Int64) throws(BackupStreamError) {
        let total = counts.fileBytes + count
        if let maximumFileBytes, total > maximumFileBytes {
            throw .unpackedSizeLimit(limit: maximumFileBytes)
        }
        guard let minimumFreeBytes, total > nextFreeSpaceCheck else { return }
        var info = statvfs()
        guard fstatvfs(targetFD, &info) == 0 else { throw .errno(target.path, "statvfs") }
        let blocks = Int64(clamping: info.f_bavail)
        let (free, overflow) = blocks.multipliedReportingOverflow(by: Int64(clamping: info.f_frsize))
        let available = overflow ? Int64.max : free
        if available - count < minimumFreeBytes {
            throw .targetSpaceLow(path: target.path, freeBytes: available, minimum: minimumFreeBytes)
        }
        nextFreeSpaceCheck = total + Self.freeSpaceCheckInterval
    }

    private static func errnoOf(_ error: any Error) -> Int32 {
        SystemErrorCode.of(error)
    }
}
