import AgentSupport
@testable import BackupStream
import Foundation
import Synchronization
import TestSupport
import Testing

/// Hostile archives that try to exhaust memory or disk: what the reader keeps and what the restore writes are
/// bounded, and going over a bound is an error that names it.
@Suite struct UnpackLimitTests {
    /// Global pax headers that would keep more than 1 MiB of records between them are refused.
    @Test func globalPaxHeadersKeepingTooMuchAreRefused() async throws {
        try await withTemporaryDirectory { base in
            let value = String(repeating: "v", count: 512 * 1024)
            var archive: [UInt8] = []
            for index in 0..<3 { archive += paxHeader(flag: "g", key: "comment\(index)", value: value) }
            archive += member("/r/", .directory) + endOfArchive
            let error = await #expect(throws: BackupStreamError.self) {
                try await BackupUnpacker(options: BackupUnpackOptions(compressed: false), logger: StreamTesting.logger)
                    .unpack(from: ArraySource(archive), into: base.appendingPathComponent("target"))
            }
            let message = error.map { "\($0)" } ?? "no error"
            #expect(message.contains("global pax headers") && message.contains("1 MiB"), "\(message)")
        }
    }

    struct Repeated: CustomTestStringConvertible, Sendable {
        var flag: Character
        var testDescription: String { flag == "g" ? "global pax headers" : "extended headers before one member" }
    }

    /// 700 pax headers of 1 MiB that all set the same key: later values replace earlier ones, so the restore
    /// succeeds and memory does not grow with the stream (the stream is made on the fly, never held whole).
    @Test(arguments: [Repeated(flag: "g"), Repeated(flag: "x")])
    func repeatedPaxHeadersKeepOnlyTheLatestValue(_ repeated: Repeated) async throws {
        try await withTemporaryDirectory { base in
            let header = paxHeader(flag: repeated.flag, key: "comment", value: String(repeating: "v", count: 1_000_000))
            let source = GeneratedSource(repeating: header, count: 700, then: member("/r/", .directory) + endOfArchive)
            let before = try residentBytes()
            let peak = Mutex(before)
            let summary = try await BackupUnpacker(
                options: BackupUnpackOptions(compressed: false), logger: StreamTesting.logger
            ).unpack(from: source, into: base.appendingPathComponent("target")) { progress in
                guard progress.inputBytes % (32 * Int64(header.count)) == 0, let now = try? residentBytes() else { return }
                peak.withLock { $0 = max($0, now) }
            }
            #expect(summary.directories == 1)
            let growth = peak.withLock { $0 } - before
            #expect(growth < 256 << 20, "resident memory grew by \(growth >> 20) MiB while reading 700 MiB of headers")
        }
    }

    /// `maximumUnpackedBytes`: the restore stops before writing more file contents than allowed, removes the file
    /// it was writing, and says which limit it hit.
    @Test func theUnpackedSizeLimitStopsTheRestoreNamingIt() async throws {
        try await withTemporaryDirectory { base in
            let target = base.appendingPathComponent("target")
            let archive = member("/r/", .directory) + member("/r/small", .regular, data: [UInt8](repeating: 1, count: 1000))
                + member("/r/big", .regular, data: [UInt8](repeating: 2, count: 3 << 20)) + endOfArchive
            let error = await #expect(throws: BackupStreamError.self) {
                try await BackupUnpacker(
                    options: BackupUnpackOptions(compressed: false, maximumUnpackedBytes: 1 << 20),
                    logger: StreamTesting.logger
                ).unpack(from: ArraySource(archive, chunkSize: 64 * 1024), into: target)
            }
            let message = error.map { "\($0)" } ?? "no error"
            #expect(message.contains("1048576 bytes") && message.contains("maximumUnpackedBytes"), "\(message)")
            let restored = try FileManager.default.contentsOfDirectory(atPath: target.path)
            #expect(restored == ["small"], "the partly written file is removed")
        }
    }

    /// `minimumFreeBytes`: the restore stops when the target's file system would keep less free space.
    @Test func theRestoreStopsBeforeTheFileSystemFills() async throws {
        try await withTemporaryDirectory { base in
            let target = base.appendingPathComponent("target")
            let archive = member("/r/", .directory) + member("/r/f", .regular, data: [UInt8](repeating: 1, count: 4096))
                + endOfArchive
            let error = await #expect(throws: BackupStreamError.self) {
                try await BackupUnpacker(
                    options: BackupUnpackOptions(compressed: false, minimumFreeBytes: 1 << 60), logger: StreamTesting.logger
                ).unpack(from: ArraySource(archive), into: target)
            }
            let message = error.map { "\($0)" } ?? "no error"
            #expect(message.contains("minimumFreeBytes") && message.contains(target.path), "\(message)")
            let restored = try FileManager.default.contentsOfDirectory(atPath: target.path)
            #expect(restored.isEmpty, "the partly written file is removed")
        }
    }

    /// `maximumExpansionRatio`: a stream that inflates to far more than its stored size (a gzip bomb) is refused
    /// once past 64 MiB, long before it fills the disk; a database-like stream (about 3:1) is not.
    @Test func aStreamThatInflatesTooMuchIsRefused() async throws {
        try await withTemporaryDirectory { base in
            let source = base.appendingPathComponent("source")
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
            // 256 MiB of zeros, sparse on disk: our packer compresses it about 800:1.
            let zeros = source.appendingPathComponent("zeros")
            #expect(FileManager.default.createFile(atPath: zeros.path, contents: nil))
            #expect(truncate(zeros.path, 256 << 20) == 0)
            let stream = base.appendingPathComponent("bomb.gz")
            try await StreamTesting.pack(source, to: stream, options: StreamTesting.packOptions(encrypt: false))
            let stored = try FileManager.default.attributesOfItem(atPath: stream.path)[.size] as? Int ?? 0
            #expect(stored < (256 << 20) / 100)

            var options = try StreamTesting.unpackOptions(key: nil)
            options.maximumExpansionRatio = 100
            let target = base.appendingPathComponent("target")
            let error = await #expect(throws: BackupStreamError.self) {
                try await StreamTesting.unpack(stream, into: target, options: options)
            }
            let message = error.map { "\($0)" } ?? "no error"
            #expect(message.contains("100 times") && message.contains("maximumExpansionRatio"), "\(message)")
            #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("zeros").path))

            // 72 MiB of rows of text (about 3:1), past the 64 MiB where the ratio starts to count.
            let tree = base.appendingPathComponent("tree")
            try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
            let rows = Fixtures.databaseLike(count: 1 << 20)
            let table = tree.appendingPathComponent("table")
            #expect(FileManager.default.createFile(atPath: table.path, contents: nil))
            let handle = try FileHandle(forWritingTo: table)
            for _ in 0..<72 { try handle.write(contentsOf: rows) }
            try handle.close()
            let normal = base.appendingPathComponent("normal.gz")
            try await StreamTesting.pack(tree, to: normal, options: StreamTesting.packOptions(encrypt: false))
            options.maximumExpansionRatio = 10
            let summary = try await StreamTesting.unpack(normal, into: base.appendingPathComponent("restored"), options: options)
            #expect(summary.archiveBytes > 72 << 20)
        }
    }

    /// The default bound is generous: 1000 times (see ``BackupUnpackOptions/maximumExpansionRatio``).
    @Test func theDefaultExpansionBoundIsAThousandTimes() {
        #expect(BackupUnpackOptions().maximumExpansionRatio == 1000)
    }

    // MARK: - Archives

    private var endOfArchive: [UInt8] { [UInt8](repeating: 0, count: 1024) }

    private func member(_ name: String, _ kind: TarMemberHeader.Kind, data: [UInt8] = []) -> [UInt8] {
        TarMemberHeader(
            name: Array(name.utf8), kind: kind, mode: kind == .directory ? 0o755 : 0o644, uid: 0, gid: 0,
            size: Int64(data.count), mtime: .init(seconds: 1_700_000_000)
        ).encoded() + data + [UInt8](repeating: 0, count: TarMemberHeader.padding(for: Int64(data.count)))
    }

    private func paxHeader(flag: Character, key: String, value: String) -> [UInt8] {
        var pax = PaxRecords()
        pax.append(key, value)
        return member("PaxHeaders/x", .other(UInt8(ascii: flag.unicodeScalars.first!)), data: pax.encoded())
    }
}

/// A stream made as it is read: `count` copies of one chunk, then a tail.
final class GeneratedSource: ByteSource {
    private let chunk: [UInt8]
    private let count: Int
    private let tail: [UInt8]
    private let served = Mutex(0)

    init(repeating chunk: [UInt8], count: Int, then tail: [UInt8]) {
        self.chunk = chunk
        self.count = count
        self.tail = tail
    }

    func nextChunk() throws -> [UInt8]? {
        let index = served.withLock { served in
            defer { served += 1 }
            return served
        }
        return index < count ? chunk : index == count ? tail : nil
    }
}
