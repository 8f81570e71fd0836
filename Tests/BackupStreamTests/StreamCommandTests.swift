import Foundation
import TestSupport
import Testing

/// `trove-db2-agent stream pack|unpack`, run as an operator would, through pipes with the real tools.
@Suite(.needsServices) struct StreamCommandTests {
    /// The built agent: `TEST_BIN_DIR` (set by scripts/test) or the directory of this test binary.
    static func agent() throws -> String {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let directory =
            ProcessInfo.processInfo.environment["TEST_BIN_DIR"]
            ?? URL(fileURLWithPath: testBinary).deletingLastPathComponent().path
        let path = directory + "/trove-db2-agent"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CommandNotBuilt(path: path)
        }
        return path
    }

    struct CommandNotBuilt: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path) is not built: run `swift build --build-tests` (scripts/test does)" }
    }

    @Test func packIsReadByOpenSSLGzipAndTar() async throws {
        try await withTemporaryDirectory { base in
            let agent = try Self.agent()
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("backup"), largeFileBytes: 1 << 20)
            let keyFile = base.appendingPathComponent("key")
            try Data((StreamTesting.key + "\nsecond line ignored\n").utf8).write(to: keyFile)
            let stream = base.appendingPathComponent("stream.gz.enc")
            let packErrors = try Shell.run(
                "\(agent) stream pack \(Shell.quote(source.path)) --key-file \(Shell.quote(keyFile.path)) --digest md5 --verbose",
                output: stream)
            #expect(!packErrors.contains(StreamTesting.key), "the key must never be printed")
            #expect(packErrors.contains("packing"), "--verbose logs on standard error")
            let extracted = base.appendingPathComponent("extracted")
            try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
            try Shell.run(
                "openssl enc -d -aes-256-cbc -md md5 \(StreamTesting.opensslPass()) 2>/dev/null | gzip -d | tar -x -f - -C \(Shell.quote(extracted.path))",
                input: stream)
            try expectSameTree(extracted.appendingPathComponent(source.path), as: source, nanoseconds: true)
        }
    }

    @Test func unpackRestoresTrovesStreamQuietly() async throws {
        try await withTemporaryDirectory { base in
            let agent = try Self.agent()
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("backup"), largeFileBytes: 1 << 20)
            let keyFile = base.appendingPathComponent("key")
            try Data(StreamTesting.key.utf8).write(to: keyFile)
            let stream = base.appendingPathComponent("stream")
            try Shell.run(
                "tar cPf - \(Shell.quote(source.path)) | gzip | openssl enc -aes-256-cbc -salt \(StreamTesting.opensslPass()) 2>/dev/null",
                output: stream)
            let target = base.appendingPathComponent("target")
            let errors = try Shell.run(
                "\(agent) stream unpack --into \(Shell.quote(target.path)) --key-file \(Shell.quote(keyFile.path))",
                input: stream)
            #expect(errors.isEmpty, "no progress line when standard error is not a terminal: \(errors)")
            try expectSameTree(target, as: source, nanoseconds: false)
        }
    }

    @Test func plainStreamsAndBadArgumentsAreHandled() async throws {
        try await withTemporaryDirectory { base in
            let agent = try Self.agent()
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("backup"), largeFileBytes: 1000)
            let target = base.appendingPathComponent("target")
            try Shell.run(
                "\(agent) stream pack \(Shell.quote(source.path)) --no-encrypt --no-compress | "
                    + "\(agent) stream unpack --into \(Shell.quote(target.path)) --no-encrypt --no-compress")
            try expectSameTree(target, as: source, nanoseconds: true)

            #expect(throws: Shell.Failure.self) { try Shell.run("\(agent) stream pack \(Shell.quote(source.path))") }
            let wrongKey = base.appendingPathComponent("wrong")
            try Data("not the key\n".utf8).write(to: wrongKey)
            let stream = base.appendingPathComponent("stream")
            try Shell.run("\(agent) stream pack \(Shell.quote(source.path)) --key-file \(Shell.quote(wrongKey.path))", output: stream)
            do {
                try Shell.run("\(agent) stream unpack --into \(Shell.quote(base.appendingPathComponent("t2").path)) --no-encrypt", input: stream)
                Issue.record("an encrypted stream unpacked without its key")
            } catch let failure as Shell.Failure {
                #expect(failure.standardError.contains("encrypted"), "\(failure.standardError)")
            }
        }
    }
}
