import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Synchronization

/// One file compressed and encrypted in the backup stream format, without tar, and back: what
/// `gzip -c FILE | openssl enc -aes-256-cbc -salt -md <digest> -pass pass:KEY` writes and
/// `openssl enc -d … | gzip -d` reads (each layer optional, as the options say). Used to ship archived Db2 log files
/// one object each.
///
/// ```swift
/// let codec = FileStreamCodec(logger: logger)
/// let sizes = try await codec.pack("/db2/ArchiveLogs/…/S0000012.LOG", to: spool, options: packOptions)
/// ```
///
/// The same pipeline as ``BackupPacker`` and ``BackupUnpacker``: the file is cut into blocks compressed in parallel
/// as independent gzip members, then encrypted; back, it is decrypted (the digest given, or detected as the
/// unpacker does), inflated and written out. Every stage runs on a thread of its own, never on Swift's cooperative
/// pool, and memory stays flat whatever the file's size.
public struct FileStreamCodec: Sendable {
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Packs the regular file at `source` into a new file at `destination` (mode 0600; it must not exist), synced
    /// before this returns and removed on failure.
    ///
    /// - Returns: the bytes read from `source` and written to `destination`.
    /// - Throws: ``BackupStreamError``: `fileSystem` (either file; `EEXIST` when `destination` exists),
    ///   `unsupportedFileType` (not a regular file), `fileChangedWhileReading` (its size changed), `invalidOptions`;
    ///   or `CancellationError`.
    @discardableResult
    public func pack(_ source: String, to destination: String, options: BackupPackOptions) async throws
        -> (inputBytes: Int64, outputBytes: Int64)
    {
        let packer = BackupPacker(options: options, logger: logger)
        _ = try options.validated()
        let sink = try await BlockingThreadPool.shared.run { try NewFileSink(creating: destination) }
        do {
            let summary = try await packer.pack(into: sink, describing: source, progress: nil, onFailure: { _ in }) {
                assembler in
                try Self.read(source, into: assembler)
                return (1, 0)
            }
            return (summary.archiveBytes, summary.outputBytes)
        } catch {
            await BlockingThreadPool.shared.run { sink.discard() }
            throw error
        }
    }

    /// Decrypts and inflates the file at `source` (as ``pack(_:to:options:)`` or the shell pipeline wrote it) into a
    /// new file at `destination` (mode 0600; it must not exist), synced before this returns and removed on failure.
    ///
    /// Without compression there is nothing to recognise a right key by, so an encrypted, uncompressed file needs
    /// its digest given (``BackupUnpackOptions/DigestSelection/digest(_:)``), and a wrong key shows only at its
    /// end (the padding), as with `openssl enc -d`. ``BackupUnpackOptions/maximumUnpackedBytes`` and
    /// ``BackupUnpackOptions/maximumExpansionRatio`` bound what is written; the owner and free-space options do not
    /// apply.
    ///
    /// - Returns: the bytes written.
    /// - Throws: ``BackupStreamError``: `wrongKey` or `badDecrypt` (wrong key or digest), `notEncrypted`,
    ///   `corruptCompressedStream`, `truncatedCompressedStream`, `truncatedCiphertext`, `unpackedSizeLimit`,
    ///   `expansionRatioExceeded`, `fileSystem`, `invalidOptions`; or `CancellationError`.
    @discardableResult
    public func unpack(_ source: String, to destination: String, options: BackupUnpackOptions) async throws -> Int64 {
        let options = try options.validated()
        if options.decryptionKey != nil, !options.compressed, options.digest == .automatic {
            throw BackupStreamError.invalidOptions(
                "an encrypted file without compression has nothing to tell the key-derivation digest by: give it")
        }
        let (input, sink) = try await BlockingThreadPool.shared.run {
            let descriptor = try Self.openRegularFile(source)
            do {
                return (descriptor, try NewFileSink(creating: destination))
            } catch {
                close(descriptor)
                throw error
            }
        }
        let written = Mutex(Int64(0))
        do {
            _ = try await BackupUnpacker.decode(
                from: FileDescriptorByteSource(fileDescriptor: input, name: source), options: options, payload: .file,
                progress: nil
            ) { queue, storedBytes in
                var total: Int64 = 0
                while let chunk = try queue.next() {
                    total += Int64(chunk.count)
                    if let limit = options.maximumUnpackedBytes, total > limit {
                        throw BackupStreamError.unpackedSizeLimit(limit: limit)
                    }
                    if let ratio = options.maximumExpansionRatio {
                        try BackupUnpacker.checkExpansion(total, stored: storedBytes(), ratio: ratio)
                    }
                    try sink.write(chunk)
                }
                try sink.finish()
                written.withLock { $0 = total }
            }
            await BlockingThreadPool.shared.run { _ = close(input) }
        } catch {
            await BlockingThreadPool.shared.run {
                close(input)
                sink.discard()
            }
            throw error
        }
        let total = written.withLock { $0 }
        logger.debug("file unpacked", metadata: ["file.source": "\(source)", "file.bytes": "\(total)"])
        return total
    }

    /// Opens `path` for reading, refusing anything but a regular file (a FIFO would block the pipeline for ever).
    private static func openRegularFile(_ path: String) throws(BackupStreamError) -> Int32 {
        let descriptor = SystemCalls.retryingInterrupted { open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw .errno(path, "open") }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw .errno(path, "stat", code)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw .unsupportedFileType(path: path, type: "file that is not a regular file")
        }
        return descriptor
    }

    /// Reads the whole regular file at `path` into the assembler (on the pipeline's first thread); its size must
    /// not change meanwhile.
    private static func read(_ path: String, into assembler: TarBlockAssembler) throws {
        let descriptor = try openRegularFile(path)
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw BackupStreamError.errno(path, "stat") }
        let size = Int64(info.st_size)
        let read = try assembler.appendFile(descriptor, count: size, path: path)
        guard read == size else {
            throw BackupStreamError.fileChangedWhileReading(path: path, detail: "it shrank from \(size) to \(read) bytes")
        }
        var probe: UInt8 = 0
        let more = SystemCalls.read(descriptor, into: &probe, count: 1)
        if more < 0 { throw BackupStreamError.errno(path, "read") }
        guard more == 0 else {
            throw BackupStreamError.fileChangedWhileReading(path: path, detail: "it grew past \(size) bytes")
        }
        try assembler.emitEmptyBlockIfNothingAppended()
    }
}
