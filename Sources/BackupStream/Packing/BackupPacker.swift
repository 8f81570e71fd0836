import AgentSupport
import Compression
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Synchronization

/// Packs a directory into a backup stream in Trove's format: tar (as `tar cPf - DIR` names members) → gzip →
/// AES-256-CBC in `openssl enc` format, compression and encryption each optional.
///
/// ```swift
/// let packer = BackupPacker(options: .init(encryptionKey: Secret(key)), logger: logger)
/// let summary = try await packer.pack(directory: backupDir, into: pipe) { progress in ... }
/// ```
///
/// The tar stream is cut into blocks (1 MiB) that are compressed in parallel on every core, each as its own
/// gzip member (libdeflate), so plain `gzip -d` reads the result and our unpacker inflates it in parallel again.
/// Stages run on their own threads, never on Swift's cooperative pool, with bounded queues between them: memory
/// stays flat whatever the size of the directory. The output is decryptable with
/// `openssl enc -d -aes-256-cbc -md <digest> -pass pass:<key>`. The summary says where the time went, stage by
/// stage (``PackStageTimes``).
public struct BackupPacker: Sendable {
    public let options: BackupPackOptions
    private let logger: Logger

    public init(options: BackupPackOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Streams `directory` into `sink`, then calls `sink.finish()`.
    ///
    /// - Parameters:
    ///   - directory: the directory to pack; its absolute path names the archive's members.
    ///   - sink: receives the stream in chunks (its `write` may block: that is the back-pressure).
    ///   - progress: called on a pipeline thread after each chunk reaches the sink; keep it short.
    /// - Returns: sizes, counts and elapsed time.
    /// - Throws: ``BackupStreamError`` (a file that cannot be read or archived, bad options), the sink's error,
    ///   or `CancellationError`. On failure `sink.finish()` is not called: the caller tells the consumer (for
    ///   example `BoundedChunkPipe.fail(_:)`), since a half-written stream must never pass for a whole one.
    @discardableResult
    public func pack(
        directory: URL, into sink: any ByteSink, progress: (@Sendable (PackProgress) -> Void)? = nil
    ) async throws -> PackSummary {
        try await pack(directory: directory, into: sink, progress: progress, onFailure: { _ in }) { try $0.archive() }
    }

    /// The pipeline of ``pack(directory:into:progress:)`` with the archiving step given: `archiving` writes the
    /// whole tar stream through the archiver; `onFailure` hears the pipeline's first error at once (to wake a
    /// producer `archiving` may be waiting on).
    func pack(
        directory: URL, into sink: any ByteSink, progress: (@Sendable (PackProgress) -> Void)?,
        onFailure: @escaping @Sendable (any Error) -> Void,
        archiving: @escaping @Sendable (DirectoryArchiver) throws -> Void
    ) async throws -> PackSummary {
        let logger = self.logger
        return try await pack(into: sink, describing: directory.path, progress: progress, onFailure: onFailure) {
            assembler in
            let archiver = DirectoryArchiver(directory: directory, output: assembler, logger: logger)
            try archiving(archiver)
            return (archiver.counts.files, archiver.counts.directories)
        }
    }

    /// The pipeline itself, whatever makes the stream: `produce` writes the whole plain stream (a tar stream, or a
    /// single file's bytes for ``FileStreamCodec``) through the block assembler on the first stage's thread and
    /// returns the files and directories it holds; the blocks are compressed in parallel, encrypted and written.
    func pack(
        into sink: any ByteSink, describing source: String, progress: (@Sendable (PackProgress) -> Void)?,
        onFailure: @escaping @Sendable (any Error) -> Void,
        produce: @escaping @Sendable (TarBlockAssembler) throws -> (files: Int, directories: Int)
    ) async throws -> PackSummary {
        let options = try options.validated()
        let started = ContinuousClock.now
        let queue = OrderedParallelQueue<PackedBlock>(window: 2 * options.parallelism + 2)
        let pipeline = PipelineThreads {
            queue.fail($0)
            onFailure($0)
        }
        var initial = PackSummary(archiveBytes: 0, outputBytes: 0, files: 0, directories: 0, elapsed: .zero)
        let workers = options.compress ? options.parallelism : 0
        initial.stages.deflate = Array(repeating: PackStageTimes.Stage(), count: workers)
        let tally = Mutex(initial)
        let logger = self.logger
        let compressors = ReusablePool<GzipBlockCompressor> { try GzipBlockCompressor(level: options.compressionLevel) }

        pipeline.addStage("pack-tar") {
            let meter = StageMeter()
            var waiting = Duration.zero
            let assembler = TarBlockAssembler(blockSize: options.blockSize) { block in
                let before = ContinuousClock.now
                defer { waiting += ContinuousClock.now - before }
                if options.compress {
                    try queue.submit {
                        let member = try compressors.withObject { compressor in
                            block.withUnsafeBytes { compressor.compressMembers($0) }
                        }
                        return PackedBlock(bytes: member, archiveBytes: block.count)
                    }
                } else {
                    try queue.submitResult(PackedBlock(bytes: block, archiveBytes: block.count))
                }
            }
            let counts = try produce(assembler)
            try assembler.flush()
            queue.finishSubmitting()
            let stage = meter.stage(waiting: waiting)
            tally.withLock {
                $0.files = counts.files
                $0.directories = counts.directories
                $0.stages.tar = stage
            }
        }
        for index in 0..<workers {
            pipeline.addStage("pack-deflate-\(index)") {
                let meter = StageMeter()
                let waiting = queue.runWorker()
                let stage = meter.stage(waiting: waiting)
                tally.withLock { $0.stages.deflate[index] = stage }
            }
        }
        pipeline.addStage("pack-out") {
            let meter = StageMeter()
            let encryptor = try options.encryptionKey.map {
                try OpenSSLEncEncryptor(password: Array($0.revealed.utf8), digest: options.digest)
            }
            var archiveBytes: Int64 = 0
            var outputBytes: Int64 = 0
            var waiting = Duration.zero
            var encryptCPU = Duration.zero
            var sinkWall = Duration.zero
            func emit(_ bytes: [UInt8]) throws {
                guard !bytes.isEmpty else { return }
                let before = ContinuousClock.now
                try sink.write(bytes)
                sinkWall += ContinuousClock.now - before
                outputBytes += Int64(bytes.count)
            }
            func encrypted(_ bytes: [UInt8]) throws -> [UInt8] {
                guard let encryptor else { return bytes }
                let before = ThreadCPUClock.now()
                defer { encryptCPU += ThreadCPUClock.now() - before }
                return try bytes.withUnsafeBytes { try encryptor.update($0) }
            }
            while true {
                let before = ContinuousClock.now
                let next = try queue.next()
                waiting += ContinuousClock.now - before
                guard let block = next else { break }
                try emit(try encrypted(block.bytes))
                archiveBytes += Int64(block.archiveBytes)
                progress?(PackProgress(archiveBytes: archiveBytes, outputBytes: outputBytes))
            }
            if let encryptor { try emit(encryptor.finish()) }
            let finishing = ContinuousClock.now
            try sink.finish()
            sinkWall += ContinuousClock.now - finishing
            let stage = meter.stage(waiting: waiting)
            tally.withLock {
                $0.archiveBytes = archiveBytes
                $0.outputBytes = outputBytes
                $0.stages.output = stage
                $0.stages.encryptCPU = encryptCPU
                $0.stages.sinkWall = sinkWall
            }
        }

        logger.debug(
            "packing",
            metadata: [
                "backup.source": "\(source)", "backup.compress": "\(options.compress)",
                "backup.level": "\(options.compressionLevel)", "backup.encrypt": "\(options.encryptionKey != nil)",
                "backup.digest": "\(options.digest)", "backup.threads": "\(options.parallelism)",
            ])
        try await pipeline.run()
        var summary = tally.withLock { $0 }
        summary.elapsed = ContinuousClock.now - started
        logger.debug(
            "packed",
            metadata: [
                "backup.archiveBytes": "\(summary.archiveBytes)", "backup.elapsed": "\(summary.elapsed)",
                "backup.stages": .array(summary.stages.lines.map { .string($0) }),
            ])
        return summary
    }
}

/// A block of output and the number of tar bytes it stands for.
struct PackedBlock: Sendable {
    var bytes: [UInt8]
    var archiveBytes: Int
}
