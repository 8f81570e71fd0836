import Compression
import Foundation
import Testing
import TestSupport

/// The gzip members the backup stream is made of: each self-contained, readable by plain `gzip -d`, read back by
/// ``GzipBlockDecompressor`` with its CRC-32 and length checked.
@Suite struct GzipMemberTests {
    /// Text that compresses, random bytes that do not (stored as is), and nothing at all.
    static let blocks: [(String, [UInt8])] = {
        var generator = SystemRandomNumberGenerator()
        let text = Array((0..<20_000).map { "row \($0)|customer-\($0 * 7919 % 10007)|ACTIVE\n" }.joined().utf8)
        let random = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return [("text", text), ("random", random), ("empty", [])]
    }()

    @Test(arguments: 0..<3)
    func aMemberRoundTripsAndReadsWithGzip(index: Int) async throws {
        let (name, block) = Self.blocks[index]
        let member = try block.withUnsafeBytes { try GzipBlockCompressor(level: 6).compressMembers($0) }
        let header = try #require(try member.withUnsafeBytes { try GzipMemberHeader.parse($0) }, "\(name)")
        #expect(GzipBlockDecompressor.memberLength(of: header) == member.count)
        let back = try member.withUnsafeBytes { try GzipBlockDecompressor().decompressMember($0, header: header) }
        #expect(back == block, "\(name)")
        if name == "random" { #expect(member.count < block.count + 64, "random bytes are stored, not deflated") }

        // Plain gzip reads the member (the stream is gzip-compatible).
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("member.gz")
            try Data(member).write(to: file)
            let result = try await ProcessRunner.run("/bin/sh", ["-c", "gzip -dc '\(file.path)' | cksum"])
            let expected = try await ProcessRunner.run("/bin/sh", ["-c", "cksum"], input: Data(block))
            #expect(result.succeeded, "\(result.stderr)")
            #expect(result.stdout == expected.stdout, "\(name)")
        }
    }

    @Test func aDamagedMemberIsATypedError() throws {
        var member = try Self.blocks[0].1.withUnsafeBytes { try GzipBlockCompressor(level: 6).compressMembers($0) }
        let header = try #require(try member.withUnsafeBytes { try GzipMemberHeader.parse($0) })
        member[member.count - 6] ^= 0xff  // the trailer's CRC-32
        #expect(throws: CompressionError.self) {
            _ = try member.withUnsafeBytes { try GzipBlockDecompressor().decompressMember($0, header: header) }
        }
    }

    /// Binary columns spread over many byte values (32-bit counters: their low bytes take every value evenly) are
    /// still deflated as one member, not taken for random bytes and stored.
    @Test func structuredBinaryIsNotTakenForRandom() throws {
        var block = [UInt8]()
        for counter in UInt32(0)..<262_144 { withUnsafeBytes(of: counter.littleEndian) { block += $0 } }
        let stream = try block.withUnsafeBytes { try GzipBlockCompressor(level: 6).compressMembers($0) }
        let header = try #require(try stream.withUnsafeBytes { try GzipMemberHeader.parse($0) })
        #expect(GzipBlockDecompressor.memberLength(of: header) == stream.count, "one member")
        #expect(stream.count < block.count / 2, "deflated, not stored")
    }

    @Test func crc32MatchesTheKnownValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
