import AgentSupport
import Compression
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Synchronization

/// Unpacks a backup stream into a directory: decrypts (`openssl enc` format, digest given or detected),
/// decompresses (in parallel for our packer's independent members, streaming for plain `gzip` output) and
/// restores the tar members under the target directory, mapped relative to the archive's root directory.
///
/// ```swift
/// let unpacker = BackupUnpacker(options: .init(decryptionKey: Secret(key)), logger: logger)
/// let summary = try await unpacker.unpack(from: download, into: URL(fileURLWithPath: "/restore/here"))
/// ```
///
/// Nothing is ever written outside the target: members outside the root, `..` components, links leading out,
/// devices and FIFOs are refused. What is restored belongs to ``BackupUnpackOptions/owner``, never to the
/// archive's owners, and carries no setuid, setgid or sticky bit. What it writes is bounded by the options (size,
/// free space, expansion over the stored size), and what it keeps of the stream's headers is bounded.
///
/// Every layer is checked to its end (padding, CRC-32 and length of every gzip member, the tar end-of-archive
/// marker): a truncated or corrupted stream is an error naming the byte offset, never a silently short restore.
/// Stages run on their own threads, never on Swift's cooperative pool.
public struct BackupUnpacker: Sendable {
    public let options: BackupUnpackOptions
    private let logger: Logger

    public init(options: BackupUnpackOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Reads the stream from `source` to its end and restores it into `target` (created if missing).
    ///
    /// - Parameters:
    ///   - source: the stored stream, in chunks (its `nextChunk` may block).
    ///   - target: the directory that takes the archive root's place.
    ///   - progress: called on a pipeline thread as chunks arrive; keep it short.
    /// - Returns: sizes, counts, the digest used and elapsed time.
    /// - Throws: ``BackupStreamError`` (wrong key, corrupt or truncated stream, unsafe member, file-system
    ///   failure), the source's error, or `CancellationError`. What was restored before the error stays in the
    ///   target, except a partly written file, which is removed.
    @discardableResult
    public func unpack(
        from source: any ByteSource, into target: URL, progress: (@Sendable (UnpackProgress) -> Void)? = nil
    ) async throws -> UnpackSummary {
        let options = try options.validated()
        let started = ContinuousClock.now
        let tally = Mutex(
            UnpackSummary(
                inputBytes: 0, archiveBytes: 0, files: 0, directories: 0, links: 0, digest: nil, elapsed: .zero))
        let logger = self.logger
        logger.debug(
            "unpacking",
            metadata: [
                "backup.target": "\(target.path)", "backup.compressed": "\(options.compressed)",
                "backup.encrypted": "\(options.decryptionKey != nil)", "backup.threads": "\(options.parallelism)",
            ])
        let decoded = try await Self.decode(from: source, options: options, payload: .tar, progress: progress) {
            queue, storedBytes in
            let extractor = try DirectoryExtractor(
                target: target, owner: options.owner, maximumFileBytes: options.maximumUnpackedBytes,
                minimumFreeBytes: options.minimumFreeBytes, logger: logger)
            let reader = TarStreamReader(consumer: extractor)
            do {
                while let chunk = try queue.next() {
                    try chunk.withUnsafeBytes { try reader.consume($0) }
                    if let ratio = options.maximumExpansionRatio {
                        try Self.checkExpansion(reader.offset, stored: storedBytes(), ratio: ratio)
                    }
                }
                try reader.finish()
                try extractor.finish()
            } catch {
                extractor.abort()
                throw error
            }
            tally.withLock {
                $0.archiveBytes = reader.offset
                $0.files = extractor.counts.files
                $0.directories = extractor.counts.directories
                $0.links = extractor.counts.symlinks + extractor.counts.hardlinks
            }
        }
        var summary = tally.withLock { $0 }
        summary.inputBytes = decoded.inputBytes
        summary.digest = decoded.digest
        summary.elapsed = ContinuousClock.now - started
        if let digest = summary.digest {
            logger.debug("backup stream decrypted", metadata: ["backup.digest": "\(digest)"])
        }
        return summary
    }

    /// The pipeline's decrypting and inflating stages, shared by the tar extractor and ``FileStreamCodec``: reads
    /// `source` to its end, decrypts it when a key is given (choosing the digest by what `payload` should look
    /// like), inflates it when compressed (in parallel for our members), and hands the plain stream, in order, to
    /// `consume`, which runs as the last stage on its own thread with the queue to drain and a way to read how many
    /// stored bytes have come in so far.
    ///
    /// - Returns: the stored bytes read, and the digest used to decrypt.
    static func decode(
        from source: any ByteSource, options: BackupUnpackOptions, payload: StreamProbe.Payload,
        progress: (@Sendable (UnpackProgress) -> Void)?,
        consume: @escaping @Sendable (OrderedParallelQueue<[UInt8]>, @Sendable () -> Int64) throws -> Void
    ) async throws -> (inputBytes: Int64, digest: KeyDerivationDigest?) {
        let queue = OrderedParallelQueue<[UInt8]>(window: 2 * options.parallelism + 2)
        // Decryption gets a thread of its own when there is something to decrypt: a single-member gzip stream
        // (plain `gzip`, what Trove's agent writes) is inflated on the decoder's thread, which then does nothing
        // else, and inflate is the slowest stage of such a restore.
        let plaintext = options.decryptionKey == nil ? nil : BoundedChunkPipe(capacity: 16)
        let pipeline = PipelineThreads {
            queue.fail($0)
            plaintext?.fail($0)
        }
        let tally = Mutex((inputBytes: Int64(0), digest: KeyDerivationDigest?.none))

        /// Reads the stored stream, counting and reporting its bytes, and hands each chunk to `forward`.
        @Sendable func readStored(_ forward: ([UInt8]) throws -> Void) throws {
            var inputBytes: Int64 = 0
            while let chunk = try source.nextChunk() {
                inputBytes += Int64(chunk.count)
                tally.withLock { $0.inputBytes = inputBytes }
                try forward(chunk)
                progress?(UnpackProgress(inputBytes: inputBytes))
            }
        }
        if let plaintext, let key = options.decryptionKey {
            pipeline.addStage("unpack-decrypt") {
                let decryption = DecryptionLayer(
                    password: key, selection: options.digest, compressed: options.compressed, payload: payload)
                func forward(_ bytes: [UInt8]) throws { if !bytes.isEmpty { try plaintext.write(bytes) } }
                try readStored { try forward(try decryption.feed($0)) }
                try forward(try decryption.finish())
                try plaintext.finish()
                tally.withLock { $0.digest = decryption.digest }
            }
        }
        pipeline.addStage("unpack-in") {
            let decoder = options.compressed ? GzipStreamDecoder(queue: queue) : nil
            func forward(_ bytes: [UInt8]) throws {
                if let decoder { try decoder.feed(bytes) } else { try queue.submitResult(bytes) }
            }
            if let plaintext {
                while let chunk = try plaintext.nextChunk() { try forward(chunk) }
            } else {
                try readStored { if !$0.isEmpty { try forward($0) } }
            }
            try decoder?.finish()
            queue.finishSubmitting()
        }
        for index in 0..<(options.compressed ? options.parallelism : 0) {
            pipeline.addStage("unpack-infl-\(index)") { queue.runWorker() }
        }
        pipeline.addStage("unpack-out") {
            try consume(queue) { tally.withLock { $0.inputBytes } }
        }
        try await pipeline.run()
        return tally.withLock { $0 }
    }

    /// Refuses an archive grown past `ratio` times the stored bytes read so far (once past the threshold). The
    /// input stage reads ahead of the tar stage, so `stored` is never less than what produced the archive bytes.
    static func checkExpansion(_ archiveBytes: Int64, stored: Int64, ratio: Int) throws(BackupStreamError) {
        guard archiveBytes > BackupUnpackOptions.expansionRatioThreshold else { return }
        let (allowed, overflow) = stored.multipliedReportingOverflow(by: Int64(ratio))
        if !overflow, archiveBytes > allowed {
            throw .expansionRatioExceeded(ratio: ratio, archiveBytes: archiveBytes, storedBytes: stored)
        }
    }
}
