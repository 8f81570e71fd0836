import BackupStream
import Foundation
import TestSupport
import Testing

/// One file packed without tar (an archived Db2 log for shipping): our round trip, and the real tools on both
/// sides, as `gzip -c FILE | openssl enc -aes-256-cbc -salt -md <digest> -pass pass:K` writes and
/// `openssl enc -d … | gzip -d` reads.
@Suite struct FileStreamCodecTests {
    let codec = FileStreamCodec(logger: StreamTesting.logger)

    /// A few MiB like a log file: compressible rows, then random bytes that gzip stores.
    func makeLogFile(_ base: URL, bytes: Int = 3 << 20) throws -> URL {
        let file = base.appendingPathComponent("S0000012.LOG")
        var data = Fixtures.databaseLike(count: bytes - bytes / 4)
        data.append(Fixtures.pseudoRandom(count: bytes / 4 + 3, seed: 12))
        try data.write(to: file)
        return file
    }

    func mode(of url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func packThenUnpackGivesTheSameBytes() async throws {
        try await withTemporaryDirectory { base in
            let log = try makeLogFile(base)
            let packed = base.appendingPathComponent("S0000012.LOG.gz.enc")
            let sizes = try await codec.pack(log.path, to: packed.path, options: StreamTesting.packOptions())
            let original = try Data(contentsOf: log)
            #expect(sizes.inputBytes == Int64(original.count))
            #expect(sizes.outputBytes == Int64(try Data(contentsOf: packed).count))
            #expect(sizes.outputBytes < sizes.inputBytes, "the rows compress")
            #expect(try Data(contentsOf: packed).prefix(8) == Data("Salted__".utf8))
            #expect(try mode(of: packed) == 0o600)

            let restored = base.appendingPathComponent("restored.LOG")
            let written = try await codec.unpack(packed.path, to: restored.path, options: StreamTesting.unpackOptions())
            #expect(written == Int64(original.count))
            #expect(try Data(contentsOf: restored) == original)
            #expect(try mode(of: restored) == 0o600)
        }
    }

    @Test(arguments: ["sha256", "md5"])
    func realOpenSSLAndGzipReadWhatWePack(_ digest: String) async throws {
        try await withTemporaryDirectory { base in
            let log = try makeLogFile(base)
            let packed = base.appendingPathComponent("packed")
            try await codec.pack(log.path, to: packed.path, options: StreamTesting.packOptions(digest: digest))
            let out = base.appendingPathComponent("out")
            try Shell.run(
                "openssl enc -d -aes-256-cbc -md \(digest) \(StreamTesting.opensslPass()) | gzip -d", input: packed,
                output: out)
            #expect(try Data(contentsOf: out) == (try Data(contentsOf: log)))
        }
    }

    @Test(arguments: ["sha256", "md5"])
    func weReadWhatRealGzipAndOpenSSLWrite(_ digest: String) async throws {
        try await withTemporaryDirectory { base in
            let log = try makeLogFile(base)
            let packed = base.appendingPathComponent("packed")
            try Shell.run(
                "gzip -c \(Shell.quote(log.path)) | openssl enc -aes-256-cbc -salt -md \(digest) \(StreamTesting.opensslPass())",
                output: packed)
            let restored = base.appendingPathComponent("restored")
            // The digest is detected, as for backups.
            try await codec.unpack(packed.path, to: restored.path, options: StreamTesting.unpackOptions())
            #expect(try Data(contentsOf: restored) == (try Data(contentsOf: log)))
        }
    }

    @Test func anEmptyFileIsOneEmptyGzipMemberBothWays() async throws {
        try await withTemporaryDirectory { base in
            let empty = base.appendingPathComponent("empty")
            try Data().write(to: empty)
            let packed = base.appendingPathComponent("packed")
            let sizes = try await codec.pack(empty.path, to: packed.path, options: StreamTesting.packOptions())
            #expect(sizes.inputBytes == 0)
            let out = base.appendingPathComponent("out")
            try Shell.run(
                "openssl enc -d -aes-256-cbc -md sha256 \(StreamTesting.opensslPass()) | gzip -d", input: packed, output: out)
            #expect(try Data(contentsOf: out).isEmpty)
            let restored = base.appendingPathComponent("restored")
            #expect(try await codec.unpack(packed.path, to: restored.path, options: StreamTesting.unpackOptions()) == 0)
            #expect(try Data(contentsOf: restored).isEmpty)
        }
    }

    @Test func aWrongKeyIsSaidPlainlyAndLeavesNoFile() async throws {
        try await withTemporaryDirectory { base in
            let log = try makeLogFile(base)
            let packed = base.appendingPathComponent("packed")
            try await codec.pack(log.path, to: packed.path, options: StreamTesting.packOptions())
            let restored = base.appendingPathComponent("restored")
            let error = await #expect(throws: BackupStreamError.self) {
                try await codec.unpack(
                    packed.path, to: restored.path, options: StreamTesting.unpackOptions(key: "not the key"))
            }
            #expect(error.map { "\($0)".hasPrefix("wrong key or key-derivation digest") } == true, "\(String(describing: error))")
            #expect(error.map { "\($0)".contains(StreamTesting.key) } == false, "the key must not be in the message")
            #expect(!FileManager.default.fileExists(atPath: restored.path))
        }
    }

    @Test func anExistingDestinationIsNeitherOverwrittenNorRemoved() async throws {
        try await withTemporaryDirectory { base in
            let log = try makeLogFile(base, bytes: 100_000)
            let taken = base.appendingPathComponent("taken")
            try Data("keep me".utf8).write(to: taken)
            await #expect(throws: BackupStreamError.self) {
                try await codec.pack(log.path, to: taken.path, options: StreamTesting.packOptions())
            }
            #expect(try Data(contentsOf: taken) == Data("keep me".utf8))
        }
    }
}
