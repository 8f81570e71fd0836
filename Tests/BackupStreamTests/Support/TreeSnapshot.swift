import Foundation
import Testing

/// What a directory tree holds, as a restore must reproduce it: for each relative path its type, mode, size,
/// contents (hash), link target and mtime.
struct TreeSnapshot: Equatable, CustomStringConvertible {
    struct Entry: Equatable {
        var type: String
        var mode: UInt32
        var size: Int64
        var contents: Data?
        var linkTarget: String?
        var mtimeSeconds: Int
        var mtimeNanoseconds: Int
        var inode: UInt64
    }

    var entries: [String: Entry]

    /// Snapshots `root` (the root itself is the entry `"."`).
    init(of root: URL) throws {
        entries = [:]
        try walk(root, relative: ".")
    }

    private mutating func walk(_ url: URL, relative: String) throws {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var entry = Entry(
            type: "?", mode: UInt32(info.st_mode & 0o7777), size: Int64(info.st_size), contents: nil, linkTarget: nil,
            mtimeSeconds: info.st_mtim.tv_sec, mtimeNanoseconds: info.st_mtim.tv_nsec, inode: UInt64(info.st_ino))
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            entry.type = "dir"
            entry.size = 0
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() {
                try walk(url.appendingPathComponent(name), relative: relative == "." ? name : relative + "/" + name)
            }
        case S_IFREG:
            entry.type = "file"
            entry.contents = try Data(contentsOf: url)
        case S_IFLNK:
            entry.type = "symlink"
            entry.linkTarget = try FileManager.default.destinationOfSymbolicLink(atPath: url.path)
            entry.mode = 0
        default:
            entry.type = "special"
        }
        entries[relative] = entry
    }

    /// The same snapshot with mtimes cut to whole seconds (GNU-format archives keep no more) and inodes dropped.
    func comparable(nanoseconds: Bool) -> [String: Entry] {
        entries.mapValues { entry in
            var entry = entry
            if !nanoseconds { entry.mtimeNanoseconds = 0 }
            entry.inode = 0
            if entry.type == "symlink" { entry.mtimeSeconds = 0; entry.mtimeNanoseconds = 0 }
            return entry
        }
    }

    /// Paths that are hard links of each other (same inode), as sorted groups.
    var hardLinkGroups: [[String]] {
        Dictionary(grouping: entries.filter { $0.value.type == "file" }, by: { $0.value.inode }).values
            .map { $0.map(\.key).sorted() }.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }

    var description: String {
        entries.keys.sorted().map { key in
            let entry = entries[key]!
            return "\(key) \(entry.type) \(String(entry.mode, radix: 8)) \(entry.size) \(entry.mtimeSeconds).\(entry.mtimeNanoseconds)"
        }.joined(separator: "\n")
    }
}

/// Expects two trees to be the same, naming the first differences.
func expectSameTree(_ restored: URL, as original: URL, nanoseconds: Bool, sourceLocation: SourceLocation = #_sourceLocation)
    throws
{
    let expected = try TreeSnapshot(of: original)
    let actual = try TreeSnapshot(of: restored)
    let left = expected.comparable(nanoseconds: nanoseconds)
    let right = actual.comparable(nanoseconds: nanoseconds)
    let differing = Set(left.keys).union(right.keys).filter { left[$0] != right[$0] }.sorted()
    #expect(
        differing.isEmpty,
        "trees differ at \(differing.prefix(5)): expected \(differing.prefix(2).map { String(describing: left[$0]) }), got \(differing.prefix(2).map { String(describing: right[$0]) })",
        sourceLocation: sourceLocation)
    #expect(expected.hardLinkGroups == actual.hardLinkGroups, "hard links differ", sourceLocation: sourceLocation)
}
