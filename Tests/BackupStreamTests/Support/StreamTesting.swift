import AgentSupport
import BackupStream
import Foundation
import Logging
import TestSupport

/// Shared set-up for the stream tests: a quiet logger, the key, pack/unpack through memory.
enum StreamTesting {
    static let key = "s3cret-backup-KEY!"
    static let logger = Logger(label: "backup-stream-test") { _ in SwiftLogNoOpLogHandler() }

    static func packOptions(compress: Bool = true, encrypt: Bool = true, digest: String = "sha256") throws
        -> BackupPackOptions
    {
        BackupPackOptions(
            compress: compress, encryptionKey: encrypt ? Secret(key) : nil,
            digest: try StandardStreams.digest(named: digest), blockSize: 128 * 1024)
    }

    static func unpackOptions(
        compressed: Bool = true, key: String? = StreamTesting.key, digest: String = "auto"
    ) throws -> BackupUnpackOptions {
        BackupUnpackOptions(
            compressed: compressed, decryptionKey: key.map { Secret($0) },
            digest: try StandardStreams.digestSelection(named: digest))
    }

    /// Packs `directory` with our packer into `file`.
    @discardableResult
    static func pack(_ directory: URL, to file: URL, options: BackupPackOptions) async throws -> PackSummary {
        let sink = CollectingSink()
        let summary = try await BackupPacker(options: options, logger: logger).pack(directory: directory, into: sink)
        precondition(sink.finished, "pack returned without finishing the sink")
        try Data(sink.bytes).write(to: file)
        return summary
    }

    /// Unpacks `file` with our unpacker into `target`.
    @discardableResult
    static func unpack(_ file: URL, into target: URL, options: BackupUnpackOptions, chunkSize: Int = 64 * 1024)
        async throws -> UnpackSummary
    {
        try await BackupUnpacker(options: options, logger: logger).unpack(
            from: ArraySource(contentsOf: file, chunkSize: chunkSize), into: target)
    }

    /// `openssl enc` options as Trove's shell pipeline passes them (the key on the command line, as in Trove).
    static func opensslPass() -> String { "-pass pass:" + Shell.quote(key) }
}
