import AgentSupport
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport
import Logging

/// Streams a list of segments, in order, into a ``ByteSink``, verifying each one's MD5 and size on the way.
///
/// Each segment is fetched by a thread of its own into a small ``BoundedChunkPipe``; the calling (blocking)
/// thread drains the pipes in order into the sink. Up to `downloadParallelism` segments are in flight; the next
/// one starts once the previous one has been received entirely, so a transfer never sits stalled behind the sink
/// (Swift drops clients idle for longer than its `client_timeout`) and memory stays at most
/// `downloadParallelism × downloadBufferChunks × chunkSize`. A transient failure resumes the segment where it
/// broke off (HTTP `Range`). A segment whose bytes do not match its recorded MD5 fails the load with
/// ``ObjectStorageError/segmentChecksumMismatch(segment:expected:actual:)``.
///
/// The sink receives a segment's bytes before its last byte is checked (memory is bounded); on any error the sink
/// is not finished, and the caller must discard what it wrote.
///
/// `@unchecked Sendable`: the mutable fields are read and written only while holding `condition`.
final class SegmentedDownload: @unchecked Sendable {
    private let segments: [SegmentReference]
    private let reader: any SegmentReader
    private let configuration: StorageConfiguration
    private let abort: TransferAbortSignal
    private let progress: @Sendable (StorageEvent) -> Void
    private let logger: Logger
    private let workers = WorkerThreads()

    private let condition = ConditionLock()
    private var pipes: [Int: BoundedChunkPipe] = [:]
    private var started = 0
    private var received = Set<Int>()
    private var consuming = 0
    private var failure: (any Error)?

    init(
        segments: [SegmentReference],
        reader: any SegmentReader,
        configuration: StorageConfiguration,
        abort: TransferAbortSignal,
        progress: @escaping @Sendable (StorageEvent) -> Void,
        logger: Logger
    ) {
        self.segments = segments
        self.reader = reader
        self.configuration = configuration
        self.abort = abort
        self.progress = progress
        self.logger = logger
    }

    /// Writes every segment into `sink`, then finishes it. Blocking.
    ///
    /// - Returns: the number of bytes written.
    /// - Throws: the first failure: an ``ObjectStorageError`` or the sink's own error. The sink is then not finished.
    func run(into sink: any ByteSink) throws -> Int64 {
        var total: Int64 = 0
        do {
            for index in segments.indices {
                let pipe: BoundedChunkPipe = try condition.withLock {
                    consuming = index
                    if let failure { throw failure }
                    return pipeLocked(index)
                }
                startEligibleSegments()
                var segmentBytes: Int64 = 0
                while let chunk = try pipe.nextChunk() {
                    if abort.isAborted { throw ObjectStorageError.cancelled }
                    do { try sink.write(chunk) } catch { throw blame(sinkError: error, at: index) }
                    segmentBytes += Int64(chunk.count)
                    total += Int64(chunk.count)
                    progress(.transferred(totalBytes: total))
                }
                condition.withLock { pipes[index] = nil }
                progress(.segmentVerified(name: segments[index].displayName, bytes: segmentBytes))
            }
            try sink.finish()
        } catch {
            recordFailure(error)
        }
        workers.waitForAll()
        if let failure = condition.withLock({ self.failure }) { throw failure }
        return total
    }

    /// What to report when the sink failed while segment `index` streamed into it: the sink reads the bytes
    /// before their segment's MD5 can be checked (memory is bounded), so a segment replaced in the store (other
    /// bytes of the same size, two segments swapped) breaks the stream first. The store is asked for the current
    /// MD5 of this segment and of the one before; one that differs from the manifest is named instead of the
    /// sink's error.
    private func blame(sinkError: any Error, at index: Int) -> any Error {
        for candidate in [index, index - 1] where segments.indices.contains(candidate) {
            let segment = segments[candidate]
            guard let expected = segment.md5, let stored = try? reader.storedMD5(of: segment, abort: abort),
                stored != expected
            else { continue }
            logger.error(
                "the stream broke inside a segment that no longer matches its manifest",
                metadata: ["segment": "\(segment.displayName)", "error": "\(sinkError)"])
            return ObjectStorageError.segmentChecksumMismatch(segment: segment.displayName, expected: expected, actual: stored)
        }
        return sinkError
    }

    /// The pipe of segment `index`, created on first use. Call with `condition` held.
    private func pipeLocked(_ index: Int) -> BoundedChunkPipe {
        if let pipe = pipes[index] { return pipe }
        let pipe = BoundedChunkPipe(capacity: configuration.downloadBufferChunks)
        pipes[index] = pipe
        return pipe
    }

    /// Starts the next segments allowed to run: within `downloadParallelism` of the one being consumed, and only
    /// after the previous one has been received entirely.
    private func startEligibleSegments() {
        while true {
            let next: (Int, BoundedChunkPipe)? = condition.withLock {
                guard failure == nil, started < segments.count,
                    started < consuming + configuration.downloadParallelism,
                    started == 0 || received.contains(started - 1)
                else { return nil }
                started += 1
                return (started - 1, pipeLocked(started - 1))
            }
            guard let (index, pipe) = next else { return }
            workers.spawn(name: "segment-\(index)") { [self] in fetchSegment(index: index, into: pipe) }
        }
    }

    private func fetchSegment(index: Int, into pipe: BoundedChunkPipe) {
        let segment = segments[index]
        do {
            let md5 = try ObjectNaming.makeHasher()
            var receivedBytes: Int64 = 0
            var pending: [UInt8] = []
            let chunkSize = configuration.chunkSize
            pending.reserveCapacity(chunkSize)
            let retry = RetryLoop(policy: configuration.retry, progress: progress, abort: abort)
            try retry.run(object: segment.displayName) { _ in
                if let size = segment.size, receivedBytes >= size { return }
                try reader.fetch(segment, from: receivedBytes, abort: abort) { bytes in
                    md5.update(bytes)
                    receivedBytes += Int64(bytes.count)
                    if let size = segment.size, receivedBytes > size {
                        throw ObjectStorageError.segmentSizeMismatch(
                            segment: segment.displayName, expected: size, actual: receivedBytes)
                    }
                    var rest = bytes[...]
                    while !rest.isEmpty {
                        let take = min(rest.count, chunkSize - pending.count)
                        pending.append(contentsOf: rest.prefix(take))
                        rest = rest.dropFirst(take)
                        if pending.count == chunkSize {
                            try pipe.write(pending)
                            pending.removeAll(keepingCapacity: true)
                        }
                    }
                }
            }
            if !pending.isEmpty { try pipe.write(pending) }
            if let size = segment.size, receivedBytes != size {
                throw ObjectStorageError.segmentSizeMismatch(
                    segment: segment.displayName, expected: size, actual: receivedBytes)
            }
            let actual = md5.finalizeHex()
            if let expected = segment.md5, expected != actual {
                throw ObjectStorageError.segmentChecksumMismatch(
                    segment: segment.displayName, expected: expected, actual: actual)
            }
            try pipe.finish()
            logger.debug("segment verified", metadata: ["segment": "\(segment.displayName)", "bytes": "\(receivedBytes)"])
            condition.withLock { _ = received.insert(index) }
            startEligibleSegments()
        } catch {
            recordFailure(error)
        }
    }

    /// Keeps the first failure, aborts every transfer, and fails every pipe so that nobody waits for ever.
    private func recordFailure(_ error: any Error) {
        let (first, open): (any Error, [BoundedChunkPipe]) = condition.withLock {
            if failure == nil { failure = error }
            return (failure!, Array(pipes.values))
        }
        abort.abort(reason: "download failed")
        for pipe in open { pipe.fail(first) }
    }
}
