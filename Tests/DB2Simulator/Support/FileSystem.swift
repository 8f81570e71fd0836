import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The file operations the stand-in needs, on plain paths. Every replacement of a file is atomic (a temporary file
/// in the same directory, then `rename(2)`), so a killed process leaves either the old or the new content.
enum FileSystem {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func currentDirectory() -> String { FileManager.default.currentDirectoryPath }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func isCharacterDevice(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR
    }

    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Creates `path` and its missing parents.
    static func createDirectory(_ path: String) throws {
        if isDirectory(path) { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try createDirectory(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw SystemCallError("mkdir", path: path) }
    }

    /// The names in a directory, sorted; empty when it does not exist.
    static func list(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    static func read(_ path: String) throws -> [UInt8] {
        let file = try RawFile(path: path, flags: O_RDONLY)
        return try file.readAll()
    }

    /// Replaces `path` with `bytes` atomically.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = "\(path).tmp.\(getpid())"
        do {
            let file = try RawFile(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            try file.write(bytes, at: 0)
        } catch {
            unlink(temporary)
            throw error
        }
        try rename(temporary, to: path)
    }

    static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw SystemCallError("rename", path: from) }
    }

    /// Copies `source` to `destination` atomically, keeping at most `limit` bytes of the source when given.
    static func copyAtomically(_ source: String, to destination: String, limit: Int64? = nil) throws {
        let input = try RawFile(path: source, flags: O_RDONLY)
        let length = min(try input.size(), limit ?? .max)
        let temporary = "\(destination).tmp.\(getpid())"
        do {
            let output = try RawFile(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            var offset: Int64 = 0
            while offset < length {
                let chunk = try input.read(at: offset, count: Int(min(1 << 20, length - offset)))
                if chunk.isEmpty { break }
                try output.write(chunk, at: offset)
                offset += Int64(chunk.count)
            }
        } catch {
            unlink(temporary)
            throw error
        }
        try rename(temporary, to: destination)
    }

    /// Removes temporary files a killed process left in `directory`.
    static func removeStaleTemporaries(in directory: String) {
        for name in list(directory) where name.contains(".tmp.") {
            guard let pid = Int32(name.split(separator: ".").last ?? ""), !ProcessTable.isAlive(pid: pid) else {
                continue
            }
            unlink("\(directory)/\(name)")
        }
    }

    /// Bytes free for an unprivileged user on the file system holding `path`, and its total size.
    static func space(at path: String) -> (free: Int64, total: Int64) {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return (0, 0) }
        return (Int64(info.f_bavail) * Int64(info.f_frsize), Int64(info.f_blocks) * Int64(info.f_frsize))
    }
}
