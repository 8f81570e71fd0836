import BackupStream
import CryptoPrimitives
import Foundation
import TestSupport
import Testing

/// Streams made by Trove's own pipeline (`tar cPf - DIR | gzip | openssl enc -aes-256-cbc -salt ...`) restore
/// with our unpacker into any target directory, byte-identical.
@Suite struct UnpackCompatibilityTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var pipeline: String
        var compressed: Bool
        var encrypted: Bool
        var digest: String
        var expectedDigest: String?
        var testDescription: String { "\(pipeline) digest=\(digest)" }
    }

    static let cases = [
        Case(pipeline: "gzip | openssl enc -aes-256-cbc -salt -md md5", compressed: true, encrypted: true, digest: "auto", expectedDigest: "md5"),
        Case(pipeline: "gzip | openssl enc -aes-256-cbc -salt -md sha256", compressed: true, encrypted: true, digest: "auto", expectedDigest: "sha256"),
        Case(pipeline: "gzip | openssl enc -aes-256-cbc -salt -md md5", compressed: true, encrypted: true, digest: "md5", expectedDigest: "md5"),
        Case(pipeline: "gzip | openssl enc -aes-256-cbc -salt", compressed: true, encrypted: true, digest: "sha256", expectedDigest: "sha256"),
        Case(pipeline: "pigz -p 2 | openssl enc -aes-256-cbc -salt -md sha256", compressed: true, encrypted: true, digest: "auto", expectedDigest: "sha256"),
        Case(pipeline: "openssl enc -aes-256-cbc -salt -md md5", compressed: false, encrypted: true, digest: "auto", expectedDigest: "md5"),
        Case(pipeline: "openssl enc -aes-256-cbc -salt -md sha256", compressed: false, encrypted: true, digest: "auto", expectedDigest: "sha256"),
        Case(pipeline: "gzip", compressed: true, encrypted: false, digest: "auto", expectedDigest: nil),
        Case(pipeline: "cat", compressed: false, encrypted: false, digest: "auto", expectedDigest: nil),
    ]

    @Test(arguments: cases)
    func troveStreamsRestoreIdentically(_ testCase: Case) async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("home/db2inst1/backup"))
            let stream = base.appendingPathComponent("stream")
            let pass = testCase.encrypted ? " " + StreamTesting.opensslPass() : ""
            try Shell.run("tar cPf - \(Shell.quote(source.path)) | \(testCase.pipeline)\(pass) 2>/dev/null", output: stream)
            let target = base.appendingPathComponent("restore/here")
            let summary = try await StreamTesting.unpack(
                stream, into: target,
                options: StreamTesting.unpackOptions(
                    compressed: testCase.compressed, key: testCase.encrypted ? StreamTesting.key : nil,
                    digest: testCase.digest),
                chunkSize: 7_777)
            #expect(summary.digest?.rawValue == testCase.expectedDigest)
            #expect(summary.files == 9)
            #expect(summary.inputBytes == Int64(try Data(contentsOf: stream).count))
            // GNU tar's default format keeps whole seconds.
            try expectSameTree(target, as: source, nanoseconds: false)
        }
    }

    /// GNU tar's POSIX format (pax headers with sub-second times, atime/ctime records) restores to the
    /// nanosecond.
    @Test func gnuPaxFormatRestoresWithNanoseconds() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("backup"), largeFileBytes: 100_000)
            let stream = base.appendingPathComponent("stream")
            try Shell.run(
                "tar --format=posix -cPf - \(Shell.quote(source.path)) | gzip | openssl enc -aes-256-cbc -salt -md md5 \(StreamTesting.opensslPass()) 2>/dev/null",
                output: stream)
            let target = base.appendingPathComponent("target")
            try await StreamTesting.unpack(stream, into: target, options: StreamTesting.unpackOptions(digest: "md5"))
            try expectSameTree(target, as: source, nanoseconds: true)
        }
    }

    /// Our own stream restores with nanosecond mtimes (pax), in parallel, through any chunking.
    @Test(arguments: [1_000, 65_536, 1 << 20])
    func ourStreamRestoresIdentically(chunkSize: Int) async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("backup"))
            let stream = base.appendingPathComponent("stream")
            try await StreamTesting.pack(source, to: stream, options: StreamTesting.packOptions(digest: "md5"))
            let target = base.appendingPathComponent("target")
            let summary = try await StreamTesting.unpack(
                stream, into: target, options: StreamTesting.unpackOptions(), chunkSize: chunkSize)
            #expect(summary.digest?.rawValue == "md5")
            try expectSameTree(target, as: source, nanoseconds: true)
        }
    }

    /// A restore over an earlier restore replaces files, as tar does.
    @Test func restoringTwiceReplacesFiles() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("backup"), largeFileBytes: 1000)
            let stream = base.appendingPathComponent("stream")
            try await StreamTesting.pack(source, to: stream, options: StreamTesting.packOptions())
            let target = base.appendingPathComponent("target")
            try await StreamTesting.unpack(stream, into: target, options: StreamTesting.unpackOptions())
            try Data("changed".utf8).write(to: target.appendingPathComponent("one.txt.tmp"))
            try Data("stale".utf8).write(to: target.appendingPathComponent("zero.bin"))
            try FileManager.default.removeItem(at: target.appendingPathComponent("one.txt.tmp"))
            try await StreamTesting.unpack(stream, into: target, options: StreamTesting.unpackOptions())
            try expectSameTree(target, as: source, nanoseconds: true)
        }
    }
}
