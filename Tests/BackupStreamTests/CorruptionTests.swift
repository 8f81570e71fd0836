import BackupStream
import Foundation
import TestSupport
import Testing

/// Damaged streams and wrong keys: always an error that says what and where, never a short restore.
@Suite struct CorruptionTests {
    @Test func wrongKeyIsReportedAsSuchAndWritesNothing() async throws {
        try await withTemporaryDirectory { base in
            let stream = try await makeStream(base)
            let target = base.appendingPathComponent("target")
            let error = await #expect(throws: BackupStreamError.self) {
                try await StreamTesting.unpack(stream, into: target, options: StreamTesting.unpackOptions(key: "wrong"))
            }
            #expect(error.map { "\($0)".hasPrefix("wrong key") } == true, "\(String(describing: error))")
            #expect(error.map { "\($0)".contains(StreamTesting.key) } == false, "the key must not be in the message")
            #expect(try regularFiles(in: target).isEmpty)
        }
    }

    @Test func wrongDigestIsAWrongKey() async throws {
        try await withTemporaryDirectory { base in
            let stream = try await makeStream(base, digest: "md5")
            let error = await #expect(throws: BackupStreamError.self) {
                try await StreamTesting.unpack(
                    stream, into: base.appendingPathComponent("t"), options: StreamTesting.unpackOptions(digest: "sha256"))
            }
            #expect(error.map { "\($0)".contains("sha256 digest") } == true, "\(String(describing: error))")
        }
    }

    @Test func encryptionSettingsThatDoNotMatchTheStreamAreExplained() async throws {
        try await withTemporaryDirectory { base in
            let encrypted = try await makeStream(base)
            let error = await #expect(throws: BackupStreamError.self) {
                try await StreamTesting.unpack(encrypted, into: base.appendingPathComponent("a"), options: StreamTesting.unpackOptions(key: nil))
            }
            #expect(error.map { "\($0)".contains("encrypted") } == true, "\(String(describing: error))")

            let plain = base.appendingPathComponent("plain.gz")
            try await StreamTesting.pack(
                base.appendingPathComponent("source"), to: plain, options: StreamTesting.packOptions(encrypt: false))
            let error2 = await #expect(throws: BackupStreamError.self) {
                try await StreamTesting.unpack(plain, into: base.appendingPathComponent("b"), options: StreamTesting.unpackOptions())
            }
            #expect(error2.map { "\($0)".contains("Salted__") } == true, "\(String(describing: error2))")
        }
    }

    struct Truncation: CustomTestStringConvertible, Sendable {
        var producer: String
        var keep: Double
        var testDescription: String { "\(producer) cut at \(keep)" }
    }

    static let truncations = ["ours", "ours-gzip-only", "trove", "ours-plain-tar"].flatMap { producer in
        [0.0001, 0.3, 0.6, 0.9999].map { Truncation(producer: producer, keep: $0) }
    }

    @Test(arguments: truncations)
    func truncatedStreamIsAnErrorAndLeavesNoShortFile(_ testCase: Truncation) async throws {
        try await withTemporaryDirectory { base in
            let (stream, options) = try await streamAndOptions(base, producer: testCase.producer)
            let bytes = try Data(contentsOf: stream)
            var keep = Int(Double(bytes.count) * testCase.keep)
            if testCase.producer == "ours-plain-tar" && testCase.keep > 0.99 { keep = bytes.count - 10240 - 100 }
            let cut = base.appendingPathComponent("cut")
            try bytes.prefix(keep).write(to: cut)
            let target = base.appendingPathComponent("target")
            let error = await #expect(throws: BackupStreamError.self) {
                try await StreamTesting.unpack(cut, into: target, options: options)
            }
            #expect(error.map { "\($0)".contains("byte") || "\($0)".contains("truncated") } == true, "\(String(describing: error))")
            try expectOnlyWholeFiles(in: target, source: base.appendingPathComponent("source"))
        }
    }

    @Test(arguments: ["ours", "ours-gzip-only", "trove"])
    func flippedByteIsAnErrorNamingTheOffset(_ producer: String) async throws {
        try await withTemporaryDirectory { base in
            let (stream, options) = try await streamAndOptions(base, producer: producer)
            var bytes = [UInt8](try Data(contentsOf: stream))
            bytes[bytes.count * 6 / 10] ^= 0x10
            let flipped = base.appendingPathComponent("flipped")
            try Data(bytes).write(to: flipped)
            let target = base.appendingPathComponent("target")
            let error = await #expect(throws: BackupStreamError.self) {
                try await StreamTesting.unpack(flipped, into: target, options: options)
            }
            let text = error.map { "\($0)" } ?? ""
            if producer == "trove" {
                // One gzip member for the whole stream: its CRC comes last, so the damage may first show as a bad
                // tar header; either way the error names the offset.
                #expect(text.contains("corrupt") && text.contains(" byte "), "\(text)")
            } else {
                // Our members are checked (CRC-32) before their data reaches the tar reader.
                #expect(text.contains("corrupt gzip stream at compressed byte"), "\(text)")
            }
        }
    }

    // MARK: - Helpers

    private func makeStream(_ base: URL, digest: String = "sha256") async throws -> URL {
        let source = try Fixtures.makeTree(at: base.appendingPathComponent("source"), largeFileBytes: 2 << 20)
        let stream = base.appendingPathComponent("stream")
        try await StreamTesting.pack(source, to: stream, options: StreamTesting.packOptions(digest: digest))
        return stream
    }

    private func streamAndOptions(_ base: URL, producer: String) async throws -> (URL, BackupUnpackOptions) {
        let source = try Fixtures.makeTree(at: base.appendingPathComponent("source"), largeFileBytes: 2 << 20)
        let stream = base.appendingPathComponent("stream")
        switch producer {
        case "ours":
            try await StreamTesting.pack(source, to: stream, options: StreamTesting.packOptions())
            return (stream, try StreamTesting.unpackOptions())
        case "ours-gzip-only":
            try await StreamTesting.pack(source, to: stream, options: StreamTesting.packOptions(encrypt: false))
            return (stream, try StreamTesting.unpackOptions(key: nil))
        case "ours-plain-tar":
            try await StreamTesting.pack(source, to: stream, options: StreamTesting.packOptions(compress: false, encrypt: false))
            return (stream, try StreamTesting.unpackOptions(compressed: false, key: nil))
        default:
            try Shell.run(
                "tar cPf - \(Shell.quote(source.path)) | gzip | openssl enc -aes-256-cbc -salt \(StreamTesting.opensslPass()) 2>/dev/null",
                output: stream)
            return (stream, try StreamTesting.unpackOptions())
        }
    }

    private func regularFiles(in directory: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try Fixtures.allPaths(under: directory).filter {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path, isDirectory: &isDirectory)
            return !isDirectory.boolValue
        }
    }

    /// Every file the failed restore left is complete (the partly written one was removed).
    private func expectOnlyWholeFiles(in target: URL, source: URL) throws {
        for path in try regularFiles(in: target) {
            let restored = target.appendingPathComponent(path)
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: restored.path)) != nil { continue }
            #expect(
                try Data(contentsOf: restored) == Data(contentsOf: source.appendingPathComponent(path)),
                "\(path) was left incomplete")
        }
    }
}
