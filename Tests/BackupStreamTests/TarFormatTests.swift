@testable import BackupStream
import Foundation
import TestSupport
import Testing

/// The tar header encoding at the edges: sizes of 8 GiB and more, long names, odd times.
@Suite struct TarFormatTests {
    /// A 9 GiB member: the pax `size` record carries it; GNU tar lists the right size (the archive is sparse, so
    /// the test writes a few KiB to disk).
    @Test func largeFileSizeUsesPaxAndGNUTarReadsIt() throws {
        try withTemporaryDirectorySync { base in
            let size: Int64 = 9 << 30 + 5
            let header = TarMemberHeader(
                name: Array("/abs/dir/huge.001".utf8), kind: .regular, mode: 0o640, uid: 1000, gid: 1000, size: size,
                mtime: .init(seconds: 1_700_000_000), userName: Array("db2inst1".utf8), groupName: Array("db2iadm1".utf8))
            let encoded = header.encoded()
            #expect(encoded.count == 3 * 512, "pax header, its data, then the ustar header")

            // Our reader.
            let collector = MemberCollector()
            let reader = TarStreamReader(consumer: collector)
            try encoded.withUnsafeBytes { try reader.consume($0) }
            #expect(collector.headers.first?.size == size)
            #expect(collector.headers.first?.name == header.name)

            // GNU tar: header, 9 GiB of (sparse) data, end of archive.
            let archive = base.appendingPathComponent("huge.tar")
            _ = FileManager.default.createFile(atPath: archive.path, contents: Data(encoded))
            let handle = try FileHandle(forWritingTo: archive)
            try handle.seek(toOffset: UInt64(encoded.count) + UInt64(size) + UInt64(TarMemberHeader.padding(for: size)))
            try handle.write(contentsOf: Data(count: 1024))
            try handle.close()
            let listing = base.appendingPathComponent("listing")
            try Shell.run("tar tvPf \(Shell.quote(archive.path))", output: listing)
            let line = try String(contentsOf: listing, encoding: .utf8)
            #expect(line.contains("db2inst1/db2iadm1 \(size)"), "GNU tar lists: \(line)")
            #expect(line.contains("/abs/dir/huge.001"))
        }
    }

    /// GNU tar's own format writes sizes of 8 GiB and more in base-256; our reader takes them.
    @Test func gnuBase256SizeIsRead() throws {
        try withTemporaryDirectorySync { base in
            let big = base.appendingPathComponent("big")
            try Shell.run("truncate -s 8589934593 \(Shell.quote(big.path))")
            let header = base.appendingPathComponent("header")
            try Shell.run("{ tar cf - --format=gnu -C \(Shell.quote(base.path)) big 2>/dev/null || true; } | head -c 512", output: header)
            let collector = MemberCollector()
            let reader = TarStreamReader(consumer: collector)
            let bytes = try Data(contentsOf: header)
            #expect(bytes.count == 512)
            try [UInt8](bytes).withUnsafeBytes { try reader.consume($0) }
            #expect(collector.headers.first?.size == 8_589_934_593)
        }
    }

    /// A pax `size` replaces the ustar size field (which writers leave at 0 when it does not fit), and so decides
    /// the padding after the member's data too: the next header is found where it is.
    @Test func thePaxSizeAlsoDecidesThePadding() throws {
        var pax = PaxRecords()
        pax.append("size", "1000")
        let paxData = pax.encoded()
        var archive = TarMemberHeader(
            name: Array("PaxHeaders/a".utf8), kind: .other(UInt8(ascii: "x")), mode: 0o644, uid: 0, gid: 0,
            size: Int64(paxData.count), mtime: .init(seconds: 0)
        ).encoded()
        archive += paxData + [UInt8](repeating: 0, count: TarMemberHeader.padding(for: Int64(paxData.count)))
        for name in ["/r/a", "/r/b"] {
            archive += TarMemberHeader(
                name: Array(name.utf8), kind: .regular, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: .init(seconds: 0)
            ).encoded()
            if name == "/r/a" { archive += [UInt8](repeating: 7, count: 1000) + [UInt8](repeating: 0, count: 24) }
        }
        archive += [UInt8](repeating: 0, count: 1024)
        let collector = MemberCollector()
        let reader = TarStreamReader(consumer: collector)
        try archive.withUnsafeBytes { try reader.consume($0) }
        try reader.finish()
        #expect(collector.headers.map(\.displayName) == ["/r/a", "/r/b"])
        #expect(collector.headers.map(\.size) == [1000, 0])
    }

    @Test func longNamesAndLinksRoundTrip() throws {
        let name = Array(("/" + String(repeating: "n", count: 150) + "/" + String(repeating: "m", count: 120)).utf8)
        let link = Array(String(repeating: "../", count: 40).utf8)
        let header = TarMemberHeader(
            name: name, kind: .symlink, mode: 0o777, uid: 3_000_000, gid: 7, size: 0,
            mtime: .init(seconds: -2, nanoseconds: 500_000_000), linkName: link,
            userName: Array(String(repeating: "u", count: 40).utf8), groupName: Array("g".utf8))
        let collector = MemberCollector()
        let reader = TarStreamReader(consumer: collector)
        try header.encoded().withUnsafeBytes { try reader.consume($0) }
        #expect(collector.headers == [header])
    }

    @Test func paxTimesRoundTrip() {
        let times: [(TarMemberHeader.Timestamp, String)] = [
            (.init(seconds: 1_700_000_000, nanoseconds: 123_456_789), "1700000000.123456789"),
            (.init(seconds: 5, nanoseconds: 500_000_000), "5.5"),
            (.init(seconds: -2, nanoseconds: 500_000_000), "-1.5"),
            (.init(seconds: -3), "-3"),
        ]
        for (time, text) in times {
            #expect(TarMemberHeader.paxTime(time) == text)
            #expect(TarMemberHeader.parsePaxTime(text) == time)
        }
    }

    @Test func corruptHeaderIsRefusedWithItsOffset() throws {
        var bytes = TarMemberHeader(
            name: Array("/r/".utf8), kind: .directory, mode: 0o755, uid: 0, gid: 0, size: 0, mtime: .init(seconds: 1)
        ).encoded()
        bytes += TarMemberHeader(
            name: Array("/r/f".utf8), kind: .regular, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: .init(seconds: 1)
        ).encoded()
        bytes[512 + 3] ^= 0x40
        let reader = TarStreamReader(consumer: MemberCollector())
        do {
            try bytes.withUnsafeBytes { try reader.consume($0) }
            Issue.record("a header with a bad checksum was accepted")
        } catch let error as BackupStreamError {
            #expect("\(error)".contains("archive byte 512"))
            #expect("\(error)".contains("checksum"))
        }
    }
}

/// Records the headers a tar reader hands out.
final class MemberCollector: TarMemberConsumer {
    var headers: [TarMemberHeader] = []
    func beginMember(_ header: TarMemberHeader, offset: Int64) throws { headers.append(header) }
    func memberData(_ bytes: UnsafeRawBufferPointer) throws {}
    func endMember() throws {}
}

func withTemporaryDirectorySync(_ body: (URL) throws -> Void) throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try body(directory)
}
