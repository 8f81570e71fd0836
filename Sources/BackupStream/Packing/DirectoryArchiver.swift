#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// Writes a directory tree as a tar stream, with member names as GNU `tar cPf - /abs/dir` writes them: the
/// first member is the directory itself (`/abs/dir/`), then its contents depth first (`/abs/dir/file`,
/// `/abs/dir/sub/`, …), in byte order of names so that the same tree gives the same stream.
///
/// Regular files, directories, symbolic links and hard links (a second name of an archived file) are archived
/// with modes, owners (ids and names) and mtimes to the nanosecond (POSIX pax format). Sockets are skipped, as
/// tar does; devices and FIFOs are refused. A file that shrinks, grows or is modified while being read is an
/// error: the backup would not hold a consistent copy. Used by one thread.
final class DirectoryArchiver {
    /// Counts of what was archived.
    struct Counts {
        var files = 0
        var directories = 0
        var symlinks = 0
        var hardlinks = 0
    }

    /// GNU tar pads the archive to whole 10240-byte records (blocking factor 20).
    static let recordSize = 10240

    private let root: [UInt8]
    private let output: TarBlockAssembler
    private let logger: Logger
    private let accounts = SystemAccounts()
    private var linkedFiles: [FileIdentity: [UInt8]] = [:]
    private(set) var counts = Counts()

    private struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// - Parameters:
    ///   - directory: the directory to archive; its absolute path (without a trailing slash) prefixes every name.
    ///   - output: where the stream goes.
    init(directory: URL, output: TarBlockAssembler, logger: Logger) {
        var path = directory.standardizedFileURL.path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        root = Array(path.utf8)
        self.output = output
        self.logger = logger
    }

    /// Archives the whole tree and writes the end-of-archive marker and record padding.
    ///
    /// - Throws: ``BackupStreamError`` naming the file that could not be read or archived, or what the output
    ///   throws (a failed downstream stage).
    func archive() throws {
        let fd = try openRoot()
        defer { close(fd) }
        try archiveRoot(fd)
        try archiveContents(of: fd, name: rootName)
        try endArchive()
    }

    /// The root's member name, with its trailing slash (`/abs/dir/`).
    var rootName: [UInt8] { root.last == 0x2f ? root : root + [0x2f] }

    /// Opens the root directory (the caller closes the descriptor).
    func openRoot() throws -> Int32 {
        let path = String(decoding: root, as: UTF8.self)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupStreamError.errno(path, "open directory") }
        return fd
    }

    /// Writes the root directory's own member (always the archive's first).
    func archiveRoot(_ fd: Int32) throws {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw BackupStreamError.errno(String(decoding: root, as: UTF8.self), "stat") }
        try writeHeader(name: rootName, info: info, kind: .directory)
        counts.directories += 1
    }

    /// Writes the end-of-archive marker: two zero blocks, then zeros up to a whole record.
    func endArchive() throws {
        try output.appendZeros(2 * TarMemberHeader.blockSize)
        let partial = Int(output.totalBytes % Int64(Self.recordSize))
        if partial > 0 { try output.appendZeros(Self.recordSize - partial) }
    }

    private func archiveContents(of directoryFD: Int32, name directoryName: [UInt8]) throws {
        for entry in try Self.entries(of: directoryFD, path: directoryName) {
            let name = directoryName + entry
            let display = String(decoding: name, as: UTF8.self)
            var info = stat()
            guard FileNameBytes.withCString(entry, { fstatat(directoryFD, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else {
                if errno == ENOENT { continue }  // removed since it was listed: tar skips it too
                throw BackupStreamError.errno(display, "stat")
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                let fd = FileNameBytes.withCString(entry) { openat(directoryFD, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                guard fd >= 0 else { throw BackupStreamError.errno(display, "open directory") }
                defer { close(fd) }
                try writeHeader(name: name + [0x2f], info: info, kind: .directory)
                counts.directories += 1
                try archiveContents(of: fd, name: name + [0x2f])
            case S_IFREG:
                try archiveFile(entry, in: directoryFD, name: name, info: info)
            case S_IFLNK:
                var target = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = FileNameBytes.withCString(entry) { entryName in
                    target.withUnsafeMutableBufferPointer {
                        readlinkat(directoryFD, entryName, UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count)
                    }
                }
                guard length >= 0 else { throw BackupStreamError.errno(display, "readlink") }
                try writeHeader(name: name, info: info, kind: .symlink, linkName: Array(target.prefix(length)))
                counts.symlinks += 1
            case S_IFSOCK:
                logger.warning("socket ignored", metadata: ["backup.path": "\(display)"])
            case S_IFIFO:
                throw BackupStreamError.unsupportedFileType(path: display, type: "FIFO")
            case S_IFCHR:
                throw BackupStreamError.unsupportedFileType(path: display, type: "character device")
            case S_IFBLK:
                throw BackupStreamError.unsupportedFileType(path: display, type: "block device")
            default:
                throw BackupStreamError.unsupportedFileType(path: display, type: "file of unknown type")
            }
        }
    }

    func archiveFile(_ entry: [UInt8], in directoryFD: Int32, name: [UInt8], info listed: stat) throws {
        let display = String(decoding: name, as: UTF8.self)
        let identity = FileIdentity(device: UInt64(listed.st_dev), inode: UInt64(listed.st_ino))
        if listed.st_nlink > 1, let first = linkedFiles[identity] {
            try writeHeader(name: name, info: listed, kind: .hardlink, linkName: first)
            counts.hardlinks += 1
            return
        }
        let fd = FileNameBytes.withCString(entry) { openat(directoryFD, $0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard fd >= 0 else { throw BackupStreamError.errno(display, "open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw BackupStreamError.errno(display, "stat") }
        guard info.st_ino == listed.st_ino, info.st_dev == listed.st_dev else {
            throw BackupStreamError.fileChangedWhileReading(path: display, detail: "it was replaced after it was listed")
        }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        let size = Int64(info.st_size)
        try writeHeader(name: name, info: info, kind: .regular)
        let read = try output.appendFile(fd, count: size, path: display)
        guard read == size else {
            throw BackupStreamError.fileChangedWhileReading(
                path: display, detail: "it shrank from \(size) to \(read) bytes")
        }
        try output.appendZeros(TarMemberHeader.padding(for: size))
        var after = stat()
        guard fstat(fd, &after) == 0 else { throw BackupStreamError.errno(display, "stat") }
        guard after.st_size == info.st_size, after.st_mtim.tv_sec == info.st_mtim.tv_sec,
            after.st_mtim.tv_nsec == info.st_mtim.tv_nsec
        else {
            throw BackupStreamError.fileChangedWhileReading(
                path: display, detail: "its size or mtime changed (now \(after.st_size) bytes)")
        }
        if info.st_nlink > 1 { linkedFiles[identity] = name }
        counts.files += 1
    }

    private func writeHeader(name: [UInt8], info: stat, kind: TarMemberHeader.Kind, linkName: [UInt8] = [])
        throws
    {
        let header = TarMemberHeader(
            name: name, kind: kind, mode: UInt32(info.st_mode & 0o7777), uid: Int(info.st_uid), gid: Int(info.st_gid),
            size: kind == .regular ? Int64(info.st_size) : 0,
            mtime: .init(seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int32(info.st_mtim.tv_nsec)),
            linkName: linkName, userName: accounts.userName(info.st_uid), groupName: accounts.groupName(info.st_gid))
        try output.append(header.encoded())
    }

    /// The names in a directory (without `.` and `..`), sorted bytewise.
    private static func entries(of directoryFD: Int32, path: [UInt8]) throws -> [[UInt8]] {
        let display = String(decoding: path, as: UTF8.self)
        let fd = dup(directoryFD)
        guard fd >= 0, let stream = fdopendir(fd) else {
            if fd >= 0 { close(fd) }
            throw BackupStreamError.errno(display, "open directory")
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw BackupStreamError.errno(display, "read directory") }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
