@testable import BackupStream
import Foundation
import TestSupport
import Testing

/// Hostile archives: whatever a member says, nothing is written outside the target.
@Suite struct UnpackSafetyTests {
    struct Member {
        var name: String
        var kind: TarMemberHeader.Kind
        var data: [UInt8] = []
        var link: String = ""
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var expected: String
        var testDescription: String { label }
    }

    static let cases = [
        Case(label: "dot-dot", expected: "'..'"),
        Case(label: "dot-dot-deep", expected: "'..'"),
        Case(label: "absolute-outside", expected: "outside the archive's root"),
        Case(label: "symlink-absolute", expected: "absolute path"),
        Case(label: "symlink-climbs-out", expected: "points outside"),
        Case(label: "symlink-dot-dot-after-name", expected: "'..' after a name"),
        Case(label: "write-through-symlink", expected: "symbolic link"),
        Case(label: "hardlink-outside", expected: "outside the archive's root"),
        Case(label: "character-device", expected: "character device"),
        Case(label: "fifo", expected: "FIFO"),
        Case(label: "first-member-not-directory", expected: "must start with its root directory"),
        Case(label: "hardlink-to-root", expected: "hard link to the root"),
        Case(label: "nul-in-name", expected: "NUL"),
    ]

    @Test(arguments: cases)
    func hostileMemberIsRefused(_ testCase: Case) async throws {
        try await withTemporaryDirectory { base in
            let outside = base.appendingPathComponent("outside").path
            let members: [Member] =
                switch testCase.label {
                case "dot-dot": [dir("/r/"), file("/r/../escaped")]
                case "dot-dot-deep": [dir("/r/"), dir("/r/a/"), file("/r/a/../../escaped")]
                case "absolute-outside": [dir("/r/"), file(outside)]
                case "symlink-absolute": [dir("/r/"), Member(name: "/r/l", kind: .symlink, link: base.path)]
                case "symlink-climbs-out": [dir("/r/"), dir("/r/a/"), Member(name: "/r/a/l", kind: .symlink, link: "../../escaped")]
                case "symlink-dot-dot-after-name":
                    [dir("/r/"), dir("/r/a/"), Member(name: "/r/l", kind: .symlink, link: "a/../../escaped")]
                case "write-through-symlink":
                    [dir("/r/"), dir("/r/sub/"), Member(name: "/r/l", kind: .symlink, link: "sub"), file("/r/l/escaped")]
                case "hardlink-outside": [dir("/r/"), Member(name: "/r/h", kind: .hardlink, link: "/etc/passwd")]
                case "character-device": [dir("/r/"), Member(name: "/r/tty", kind: .other(UInt8(ascii: "3")))]
                case "fifo": [dir("/r/"), Member(name: "/r/pipe", kind: .other(UInt8(ascii: "6")))]
                case "hardlink-to-root": [dir("/r/"), Member(name: "/r/h", kind: .hardlink, link: "/r/")]
                case "nul-in-name": [dir("/r/"), file("/r/" + String(repeating: "a", count: 100) + "\u{0}/../../escaped")]
                default: [file("/r/first"), dir("/r/")]
                }
            let target = base.appendingPathComponent("target")
            let error = await #expect(throws: BackupStreamError.self) {
                try await unpack(members, into: target)
            }
            #expect(error.map { "\($0)".contains(testCase.expected) } == true, "\(String(describing: error))")
            // Nothing outside the target, and no member that escaped anywhere.
            let entries = try FileManager.default.contentsOfDirectory(atPath: base.path)
            #expect(entries.sorted() == ["target"])
            #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("sub/escaped").path))
        }
    }

    /// A symbolic link already in the target is never followed: the restore refuses to write through it.
    @Test func existingSymlinkInTargetIsNotFollowed() async throws {
        try await withTemporaryDirectory { base in
            let target = base.appendingPathComponent("target")
            let elsewhere = base.appendingPathComponent("elsewhere")
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: target.appendingPathComponent("data").path, withDestinationPath: elsewhere.path)
            let error = await #expect(throws: BackupStreamError.self) {
                try await unpack([dir("/r/"), file("/r/data/file")], into: target)
            }
            #expect(error.map { "\($0)".contains("symbolic link") } == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
        }
    }

    /// The target itself is not followed if it is a symbolic link: whoever controls its parent directory could
    /// otherwise point the restore (run as root) at any directory.
    @Test func aTargetThatIsASymbolicLinkIsRefused() async throws {
        try await withTemporaryDirectory { base in
            let target = base.appendingPathComponent("target")
            let elsewhere = base.appendingPathComponent("elsewhere")
            try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: target.path, withDestinationPath: elsewhere.path)
            let error = await #expect(throws: BackupStreamError.self) {
                try await unpack([dir("/r/"), file("/r/file")], into: target)
            }
            #expect(error.map { "\($0)".contains("symbolic link") } == true, "\(String(describing: error))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
        }
    }

    /// Links inside the tree are fine, including `..` that stays inside.
    @Test func linksInsideTheTreeAreRestored() async throws {
        try await withTemporaryDirectory { base in
            let target = base.appendingPathComponent("target")
            let summary = try await unpack(
                [
                    dir("/r/"), dir("/r/a/"), file("/r/a/f", "hello"),
                    Member(name: "/r/a/up", kind: .symlink, link: "../a/f"),
                    Member(name: "/r/h", kind: .hardlink, link: "/r/a/f"),
                ], into: target)
            #expect(summary.files == 1 && summary.links == 2)
            #expect(try String(contentsOf: target.appendingPathComponent("a/up"), encoding: .utf8) == "hello")
            #expect(try String(contentsOf: target.appendingPathComponent("h"), encoding: .utf8) == "hello")
        }
    }

    /// A backup cannot plant a setuid-root program (or a group-writable setgid directory) in the restore
    /// directory: everything restored belongs to the owner the caller gives, the archive's owners are ignored,
    /// and setuid, setgid and sticky bits are dropped; the permission bits are kept.
    @Test func restoredEntriesBelongToTheGivenOwnerWithoutSetIDBits() async throws {
        try await withTemporaryDirectory { base in
            let target = base.appendingPathComponent("target")
            // Only root may give files away; anyone else gets them as their own.
            let uid: uid_t = geteuid() == 0 ? 4321 : geteuid()
            let gid: gid_t = geteuid() == 0 ? 4322 : getegid()
            let root = Array("root".utf8)
            var archive = header("/r/", .directory, mode: 0o3775)
            archive += header("/r/sticky/", .directory, mode: 0o1777)
            archive += header("/r/su", .regular, mode: 0o4755, userName: root, data: Array("#!/bin/sh\n".utf8))
            archive += header("/r/sg", .regular, mode: 0o2750, userName: root)
            archive += header("/r/implicit/f", .regular, mode: 0o640, userName: root)
            archive += header("/r/link", .symlink, mode: 0o777, link: "su")
            archive += [UInt8](repeating: 0, count: 1024)
            try await BackupUnpacker(
                options: BackupUnpackOptions(compressed: false, owner: .ids(uid: uid, gid: gid)),
                logger: StreamTesting.logger
            ).unpack(from: ArraySource(archive), into: target)
            // `implicit` has no member of its own: it is made with the umask, so only its owner is checked.
            let expectedModes: [String: mode_t?] = [
                ".": 0o775, "sticky": 0o777, "su": 0o755, "sg": 0o750, "implicit": nil, "implicit/f": 0o640,
                "link": 0o777,
            ]
            for (relative, mode) in expectedModes {
                var info = stat()
                #expect(lstat(target.appendingPathComponent(relative).path, &info) == 0)
                #expect(info.st_uid == uid && info.st_gid == gid, "\(relative) is owned by \(info.st_uid):\(info.st_gid)")
                #expect(info.st_mode & 0o7000 == 0, "\(relative) has mode \(String(info.st_mode & 0o7777, radix: 8))")
                if let mode { #expect(info.st_mode & 0o7777 == mode, "\(relative): \(String(info.st_mode & 0o7777, radix: 8))") }
            }
        }
    }

    /// With the default options, the archive's owners (by name or by number) are not restored, even as root:
    /// the files belong to the process that restores them.
    @Test func archiveOwnersAreNeverRestored() async throws {
        try await withTemporaryDirectory { base in
            let target = base.appendingPathComponent("target")
            var archive = header("/r/", .directory, mode: 0o750, uid: 4321)
            archive += header("/r/by-name", .regular, mode: 0o640, uid: 4321, userName: Array("nobody".utf8))
            archive += header("/r/by-number", .regular, mode: 0o600, uid: 4321)
            archive += [UInt8](repeating: 0, count: 1024)
            try await BackupUnpacker(options: BackupUnpackOptions(compressed: false), logger: StreamTesting.logger)
                .unpack(from: ArraySource(archive), into: target)
            for relative in [".", "by-name", "by-number"] {
                var info = stat()
                #expect(lstat(target.appendingPathComponent(relative).path, &info) == 0)
                #expect(info.st_uid == geteuid() && info.st_gid == getegid(), "\(relative): \(info.st_uid):\(info.st_gid)")
            }
        }
    }

    /// `.targetDirectory`: what is restored belongs to whoever owns the target (the agent's restore directory is
    /// given to the DB2 instance owner before the restore).
    @Test func restoredEntriesCanBelongToTheTargetsOwner() async throws {
        try await withTemporaryDirectory { base in
            let target = base.appendingPathComponent("target")
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            let uid: uid_t = geteuid() == 0 ? 4321 : geteuid()
            let gid: gid_t = geteuid() == 0 ? 4322 : getegid()
            #expect(chown(target.path, uid, gid) == 0)
            var archive = header("/r/", .directory, mode: 0o750)
            archive += header("/r/d/f", .regular, mode: 0o640, userName: Array("root".utf8))
            archive += [UInt8](repeating: 0, count: 1024)
            try await BackupUnpacker(
                options: BackupUnpackOptions(compressed: false, owner: .targetDirectory), logger: StreamTesting.logger
            ).unpack(from: ArraySource(archive), into: target)
            for relative in [".", "d", "d/f"] {
                var info = stat()
                #expect(lstat(target.appendingPathComponent(relative).path, &info) == 0)
                #expect(info.st_uid == uid && info.st_gid == gid, "\(relative): \(info.st_uid):\(info.st_gid)")
            }
        }
    }

    struct OutOfRange: CustomTestStringConvertible, Sendable {
        var label: String
        var expected: String
        var testDescription: String { label }
    }

    static let outOfRange = [
        OutOfRange(label: "pax uid 2^32", expected: "uid"),
        OutOfRange(label: "pax gid 2^40", expected: "gid"),
        OutOfRange(label: "ustar base-256 uid 2^32", expected: "uid"),
        OutOfRange(label: "ustar base-256 negative gid", expected: "gid"),
        OutOfRange(label: "pax size Int64.max on a directory", expected: "size"),
        OutOfRange(label: "ustar base-256 size Int64.max on a directory", expected: "size"),
        OutOfRange(label: "pax record length Int.max", expected: "malformed pax record"),
    ]

    /// A number no system can hold is refused, naming the field; none wraps (a uid of 2^32 is not root) and none
    /// overflows into a crash.
    @Test(arguments: outOfRange)
    func outOfRangeNumbersAreRefused(_ testCase: OutOfRange) async throws {
        try await withTemporaryDirectory { base in
            let target = base.appendingPathComponent("target")
            var archive = header("/r/", .directory, mode: 0o755)
            switch testCase.label {
            case "pax uid 2^32": archive += header("/r/victim", .regular, mode: 0o644, uid: 4_294_967_296)
            case "pax gid 2^40": archive += header("/r/victim", .regular, mode: 0o644, gid: 1 << 40)
            case "ustar base-256 uid 2^32":
                archive += patched(header("/r/victim", .regular, mode: 0o644), at: 108, base256(1 << 32, width: 8))
            case "ustar base-256 negative gid":
                archive += patched(header("/r/victim", .regular, mode: 0o644), at: 116, [UInt8](repeating: 0xff, count: 8))
            case "pax size Int64.max on a directory":
                archive += paxHeader(flag: "x", ["size": String(Int64.max)]) + header("/r/victim/", .directory, mode: 0o755)
            case "ustar base-256 size Int64.max on a directory":
                archive += patched(header("/r/victim/", .directory, mode: 0o755), at: 124, base256(Int64.max, width: 12))
            default:
                // A first record, then one whose length overflows when added to the first's.
                let data = Array("6 a=b\n9223372036854775807 c=d\n".utf8)
                archive += header("/r/PaxHeaders/victim", .other(UInt8(ascii: "x")), mode: 0o644, data: data)
                archive += header("/r/victim", .regular, mode: 0o644)
            }
            archive += [UInt8](repeating: 0, count: 1024)
            let error = await #expect(throws: BackupStreamError.self) {
                try await BackupUnpacker(options: BackupUnpackOptions(compressed: false), logger: StreamTesting.logger)
                    .unpack(from: ArraySource(archive), into: target)
            }
            #expect(error.map { "\($0)".contains(testCase.expected) } == true, "\(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("victim").path))
        }
    }

    /// Packing refuses what the backup format does not carry.
    @Test func packRefusesAFIFO() async throws {
        try await withTemporaryDirectory { base in
            let source = base.appendingPathComponent("source")
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
            #expect(mkfifo(source.appendingPathComponent("pipe").path, 0o600) == 0)
            let error = await #expect(throws: BackupStreamError.self) {
                try await StreamTesting.pack(
                    source, to: base.appendingPathComponent("out"), options: StreamTesting.packOptions())
            }
            #expect(error.map { "\($0)".contains("FIFO") } == true)
        }
    }

    private func dir(_ name: String) -> Member { Member(name: name, kind: .directory) }

    /// One member's header blocks (pax header first when needed), its data and padding.
    private func header(
        _ name: String, _ kind: TarMemberHeader.Kind, mode: UInt32, uid: Int = 0, gid: Int = 0,
        userName: [UInt8] = [], link: String = "", data: [UInt8] = []
    ) -> [UInt8] {
        TarMemberHeader(
            name: Array(name.utf8), kind: kind, mode: mode, uid: uid, gid: gid, size: Int64(data.count),
            mtime: .init(seconds: 1_700_000_000), linkName: Array(link.utf8), userName: userName
        ).encoded() + data + [UInt8](repeating: 0, count: TarMemberHeader.padding(for: Int64(data.count)))
    }

    /// A pax extended header (`x`) or global header (`g`) with these records.
    private func paxHeader(flag: Character, _ records: [String: String]) -> [UInt8] {
        var pax = PaxRecords()
        for (key, value) in records.sorted(by: { $0.key < $1.key }) { pax.append(key, value) }
        return header("PaxHeaders/x", .other(UInt8(ascii: flag.unicodeScalars.first!)), mode: 0o644, data: pax.encoded())
    }

    /// `value` in GNU's base-256 form (first byte 0x80), `width` bytes.
    private func base256(_ value: Int64, width: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: width)
        var rest = value
        for index in stride(from: width - 1, through: 1, by: -1) {
            bytes[index] = UInt8(truncatingIfNeeded: rest)
            rest >>= 8
        }
        bytes[0] = 0x80
        return bytes
    }

    /// A single ustar header block with `bytes` written at `offset` and its checksum recomputed.
    private func patched(_ block: [UInt8], at offset: Int, _ bytes: [UInt8]) -> [UInt8] {
        precondition(block.count == TarMemberHeader.blockSize, "patch a lone ustar header")
        var block = block
        block.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        block.replaceSubrange(148..<156, with: Array("        ".utf8))
        let digits = Array(String(block.reduce(0) { $0 + Int($1) }, radix: 8).utf8)
        block.replaceSubrange(148..<155, with: [UInt8](repeating: 0x30, count: 6 - digits.count) + digits + [0])
        return block
    }
    private func file(_ name: String, _ text: String = "x") -> Member {
        Member(name: name, kind: .regular, data: Array(text.utf8))
    }

    @discardableResult
    private func unpack(_ members: [Member], into target: URL) async throws -> UnpackSummary {
        var archive: [UInt8] = []
        for member in members {
            archive += TarMemberHeader(
                name: Array(member.name.utf8), kind: member.kind, mode: member.kind == .directory ? 0o755 : 0o644,
                uid: 0, gid: 0, size: Int64(member.data.count), mtime: .init(seconds: 1_700_000_000),
                linkName: Array(member.link.utf8)
            ).encoded()
            archive += member.data + [UInt8](repeating: 0, count: TarMemberHeader.padding(for: Int64(member.data.count)))
        }
        archive += [UInt8](repeating: 0, count: 1024)
        return try await BackupUnpacker(
            options: StreamTesting.unpackOptions(compressed: false, key: nil), logger: StreamTesting.logger
        ).unpack(from: ArraySource(archive), into: target)
    }
}
