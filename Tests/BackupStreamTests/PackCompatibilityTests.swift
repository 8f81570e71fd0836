import BackupStream
import Compression
import Foundation
import TestSupport
import Testing

/// Our pack output, read by the real tools exactly as Trove's restore reads a backup:
/// `openssl enc -d -aes-256-cbc -md <digest> -pass pass:K | gzip -d | tar x`.
@Suite struct PackCompatibilityTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var compress: Bool
        var encrypt: Bool
        var digest: String
        var testDescription: String { "compress=\(compress) encrypt=\(encrypt) digest=\(digest)" }
    }

    static let cases = [
        Case(compress: true, encrypt: true, digest: "sha256"),
        Case(compress: true, encrypt: true, digest: "md5"),
        Case(compress: true, encrypt: false, digest: "sha256"),
        Case(compress: false, encrypt: true, digest: "md5"),
        Case(compress: false, encrypt: false, digest: "sha256"),
    ]

    @Test(arguments: cases)
    func realToolsRestoreAnIdenticalTree(_ testCase: Case) async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("backup"))
            let stream = base.appendingPathComponent("stream")
            let summary = try await StreamTesting.pack(
                source, to: stream,
                options: StreamTesting.packOptions(
                    compress: testCase.compress, encrypt: testCase.encrypt, digest: testCase.digest))
            #expect(summary.outputBytes == Int64(try Data(contentsOf: stream).count))
            #expect(summary.directories == 6 && summary.files == 9)

            var pipeline = ["cat"]
            if testCase.encrypt {
                pipeline.append("openssl enc -d -aes-256-cbc -md \(testCase.digest) \(StreamTesting.opensslPass())")
            }
            if testCase.compress { pipeline.append("gzip -d") }
            let extracted = base.appendingPathComponent("extracted")
            try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
            pipeline.append("tar -x -f - -C \(Shell.quote(extracted.path))")
            try Shell.run(pipeline.joined(separator: " | "), input: stream)

            // tar strips the leading "/" of our absolute member names: the tree lands under extracted/<abs path>.
            try expectSameTree(extracted.appendingPathComponent(source.path), as: source, nanoseconds: true)
        }
    }

    /// Member names are exactly those of `tar cPf - DIR`: the same list, in the same form.
    @Test func memberNamesAreThoseOfGNUTar() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("backup"), largeFileBytes: 1000)
            let ours = base.appendingPathComponent("ours.tar")
            try await StreamTesting.pack(source, to: ours, options: StreamTesting.packOptions(compress: false, encrypt: false))
            let gnu = base.appendingPathComponent("gnu.tar")
            try Shell.run("tar cPf - \(Shell.quote(source.path))", output: gnu)
            let ourNames = try listing(ours, base: base)
            let gnuNames = try listing(gnu, base: base)
            #expect(ourNames.first == source.path + "/")
            #expect(ourNames.sorted() == gnuNames.sorted())
            #expect(try Data(contentsOf: ours).count % 10240 == 0, "padded to whole tar records as GNU tar does")
        }
    }

    /// Plain `gzip -d` reads the concatenated members and checks every CRC, including the members of random
    /// data that are written as stored blocks.
    @Test func plainGzipVerifiesEveryMember() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("backup"), largeFileBytes: 1 << 20)
            let random = Fixtures.pseudoRandom(count: 700_000, seed: 99)
            try random.write(to: source.appendingPathComponent("random.bin"))
            let stream = base.appendingPathComponent("stream.gz")
            let summary = try await StreamTesting.pack(source, to: stream, options: StreamTesting.packOptions(encrypt: false))
            #expect(summary.outputBytes < summary.archiveBytes)
            try Shell.run("gzip -t", input: stream)
            try Shell.run("pigz -t", input: stream)
            let extracted = base.appendingPathComponent("extracted")
            try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
            try Shell.run("gzip -d | tar -x -f - -C \(Shell.quote(extracted.path))", input: stream)
            try expectSameTree(extracted.appendingPathComponent(source.path), as: source, nanoseconds: true)
        }
    }

    @Test func randomBlocksAreStoredAndTextIsCompressed() throws {
        let random = [UInt8](Fixtures.pseudoRandom(count: 1 << 20, seed: 5))
        let text = [UInt8](Fixtures.databaseLike(count: 1 << 20))
        let compressor = try GzipBlockCompressor(level: 6)
        let storedMember = random.withUnsafeBytes { compressor.compressMembers($0) }
        #expect(storedMember.count == 24 + 1_048_576 + 5 * 17 + 8, "stored blocks: 5 bytes per 64 KiB")
        #expect(text.withUnsafeBytes { compressor.compressMembers($0) }.count < text.count / 2)
        let decompressor = try GzipBlockDecompressor()
        let header = try #require(try storedMember.withUnsafeBytes { try GzipMemberHeader.parse($0) })
        #expect(try storedMember.withUnsafeBytes { try decompressor.decompressMember($0, header: header) } == random)
    }

    /// 8 KiB pages of rows, random bytes and zeros, as table spaces hold them, 512 bytes off the block's start (as
    /// behind a tar header): the random pages are stored, in members of their own, and the rest still deflated.
    @Test func aBlockOfMixedPagesStoresItsRandomPagesAndStillReadsWithGzip() async throws {
        let rows = [UInt8](Fixtures.databaseLike(count: 1 << 20))
        var block = [UInt8](repeating: 0, count: 512)
        var randomPages: [[UInt8]] = []
        for page in 0..<120 {
            switch page % 5 {
            case 1, 2:
                let random = [UInt8](Fixtures.pseudoRandom(count: 8192, seed: UInt64(page)))
                randomPages.append(random)
                block += random
            case 3: block += [UInt8](repeating: 0, count: 8192)
            default: block += rows[(page * 8192)..<((page + 1) * 8192)]
            }
        }
        let stream = try block.withUnsafeBytes { try GzipBlockCompressor(level: 6).compressMembers($0) }
        let (back, members) = try Self.inflateMembers(stream)
        #expect(back == block)
        #expect(members > 1, "each run of random pages starts a member")
        // A random page lies in the output as it is (stored), but for the windows it shares with its neighbours.
        for random in randomPages {
            #expect(stream.firstRange(of: random[1024..<7168]) != nil, "random bytes stored verbatim")
        }
        let deflatedWhole = try Self.deflatedLength(block)
        #expect(Double(stream.count) < Double(deflatedWhole) * 1.03, "within 3% of deflating the block whole")
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("members.gz")
            let output = directory.appendingPathComponent("members")
            try Data(stream).write(to: file)
            try Shell.run("gzip -dc", input: file, output: output)
            #expect(try Data(contentsOf: output) == Data(block), "plain gzip reads the members")
        }
    }

    /// Inflates concatenated members with ``GzipBlockDecompressor``; returns the bytes and the number of members.
    static func inflateMembers(_ stream: [UInt8]) throws -> ([UInt8], Int) {
        var output: [UInt8] = []
        var offset = 0
        var members = 0
        let decompressor = try GzipBlockDecompressor()
        while offset < stream.count {
            let rest = Array(stream[offset...])
            let header = try #require(try rest.withUnsafeBytes { try GzipMemberHeader.parse($0) })
            let length = try #require(GzipBlockDecompressor.memberLength(of: header))
            output += try rest[..<length].withUnsafeBytes { try decompressor.decompressMember($0, header: header) }
            offset += length
            members += 1
        }
        return (output, members)
    }

    /// Length of `block` deflated whole by libdeflate at level 6.
    static func deflatedLength(_ block: [UInt8]) throws -> Int {
        let deflater = try LibdeflateCompressor(level: 6)
        var output = [UInt8](repeating: 0, count: deflater.bound(forInputLength: block.count))
        return block.withUnsafeBytes { input in output.withUnsafeMutableBytes { deflater.compress(input, into: $0) } }
    }

    @Test func objectNamesAreTroves() throws {
        #expect(BackupObjectName.manifest(backupID: "b1", compressed: true, encrypted: true) == "b1.gz.enc")
        #expect(BackupObjectName.suffix(compressed: true, encrypted: false) == ".gz")
        #expect(BackupObjectName.suffix(compressed: false, encrypted: true) == ".enc")
        #expect(BackupObjectName.suffix(compressed: false, encrypted: false) == "")
        #expect(try StreamTesting.packOptions().objectNameSuffix == ".gz.enc")
    }

    private func listing(_ archive: URL, base: URL) throws -> [String] {
        let output = base.appendingPathComponent("listing-\(UUID().uuidString)")
        try Shell.run("tar tPf -", input: archive, output: output)
        return try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}
