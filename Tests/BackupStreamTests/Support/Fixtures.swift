import Foundation

/// Builds the directory trees the tests pack: every kind of member the backup format carries, odd sizes around
/// the 512-byte tar block, long names, modes, nanosecond mtimes, links.
enum Fixtures {
    /// A tree under `root` (created): returns `root`.
    @discardableResult
    static func makeTree(at root: URL, largeFileBytes: Int = 3 << 20) throws -> URL {
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("sub/deeper/empty"), withIntermediateDirectories: true)
        try write(root, "zero.bin", Data())
        try write(root, "one.txt", Data("x".utf8))
        for size in [511, 512, 513, 10_000] {
            try write(root, "sub/size-\(size).bin", pseudoRandom(count: size, seed: UInt64(size)))
        }
        try write(root, "sub/deeper/text.log", Data(String(repeating: "2026-01-01 LOG line for the backup\n", count: 20_000).utf8))
        try write(root, "large.db", databaseLike(count: largeFileBytes))
        let longDirectory = "sub/" + String(repeating: "d", count: 90) + "/" + String(repeating: "e", count: 90)
        try fm.createDirectory(at: root.appendingPathComponent(longDirectory), withIntermediateDirectories: true)
        try write(root, longDirectory + "/" + String(repeating: "f", count: 120) + ".dat", Data("long name\n".utf8))
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("sub/link-to-text").path, withDestinationPath: "deeper/text.log")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("sub/deeper/up-link").path, withDestinationPath: "../size-512.bin")
        try fm.linkItem(at: root.appendingPathComponent("one.txt"), to: root.appendingPathComponent("sub/hard-one.txt"))
        try chmod(root, "sub/size-511.bin", 0o600)
        try chmod(root, "sub/size-513.bin", 0o755)
        try chmod(root, "sub/deeper", 0o750)
        try chmod(root, "sub/deeper/empty", 0o700)
        // Mtimes last, deepest first (writing into a directory changes its mtime).
        var stamp = 1_700_000_000
        for relative in try allPaths(under: root).sorted(by: { $0.count > $1.count }) {
            stamp += 1
            try setMtime(root, relative, seconds: stamp, nanoseconds: relative.hasSuffix(".bin") ? 123_456_789 : 0)
        }
        try setMtime(root, ".", seconds: 1_600_000_000, nanoseconds: 5)
        return root
    }

    static func write(_ root: URL, _ relative: String, _ data: Data) throws {
        try data.write(to: root.appendingPathComponent(relative))
    }

    static func chmod(_ root: URL, _ relative: String, _ mode: mode_t) throws {
        guard Glibc.chmod(root.appendingPathComponent(relative).path, mode) == 0 else { throw POSIXError(.EPERM) }
    }

    static func setMtime(_ root: URL, _ relative: String, seconds: Int, nanoseconds: Int) throws {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        guard utimensat(AT_FDCWD, root.appendingPathComponent(relative).path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    static func allPaths(under root: URL) throws -> [String] {
        var paths: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        while let path = enumerator?.nextObject() as? String { paths.append(path) }
        return paths
    }

    /// Deterministic bytes that do not compress.
    static func pseudoRandom(count: Int, seed: UInt64) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: count)
        for index in bytes.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[index] = UInt8(truncatingIfNeeded: state)
        }
        return Data(bytes)
    }

    /// Deterministic bytes that compress about 3:1 (rows of text with numbers).
    static func databaseLike(count: Int) -> Data {
        var text = ""
        var row = 0
        while text.utf8.count < count {
            text += "\(row * 7919 % 1_000_003)|CUSTOMER-\(row % 977)|\(row % 13 == 0 ? "CLOSED" : "ACTIVE")|\(Double(row % 10_007) / 7)\n"
            row += 1
        }
        return Data(text.utf8.prefix(count))
    }
}
