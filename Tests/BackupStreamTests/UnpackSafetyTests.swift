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

    /// Owners are restored by name when the name exists here (as tar does as root), else by number; without
    /// the privilege to change owners, files belong to whoever restores.
    @Test func ownersAreRestoredByNameWhenRunningAsRoot() async throws {
        try await withTemporaryDirectory { base in
            let target = base.appendingPathComponent("target")
            var archive = TarMemberHeader(
                name: Array("/r/".utf8), kind: .directory, mode: 0o750, uid: 0, gid: 0, size: 0, mtime: .init(seconds: 5)
            ).encoded()
            archive += TarMemberHeader(
                name: Array("/r/by-name".utf8), kind: .regular, mode: 0o640, uid: 4321, gid: 4321, size: 0,
                mtime: .init(seconds: 5), userName: Array("nobody".utf8), groupName: Array("nogroup".utf8)
            ).encoded()
            archive += TarMemberHeader(
                name: Array("/r/by-number".utf8), kind: .regular, mode: 0o600, uid: 4321, gid: 4322, size: 0,
                mtime: .init(seconds: 5), userName: Array("no-such-user-here".utf8)
            ).encoded()
            archive += [UInt8](repeating: 0, count: 1024)
            let root = geteuid() == 0
            try await BackupUnpacker(
                options: BackupUnpackOptions(compressed: false, preserveOwnership: root), logger: StreamTesting.logger
            ).unpack(from: ArraySource(archive), into: target)
            var byName = stat()
            var byNumber = stat()
            #expect(lstat(target.appendingPathComponent("by-name").path, &byName) == 0)
            #expect(lstat(target.appendingPathComponent("by-number").path, &byNumber) == 0)
            #expect(byName.st_mode & 0o7777 == 0o640 && byNumber.st_mode & 0o7777 == 0o600)
            if root {
                #expect(byName.st_uid == getpwnam("nobody").pointee.pw_uid)
                #expect(byNumber.st_uid == 4321 && byNumber.st_gid == 4322)
            } else {
                #expect(byName.st_uid == geteuid() && byNumber.st_uid == geteuid())
            }
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
