import AgentSupport
import CryptoPrimitives
import FoundationEssentials
import HTTPTransport
import Logging

/// Streams a list of segments, in order, into a ``ByteSink``, fetching up to `downloadParallelism` of them at once
/// and handing over no byte of a segment before the whole segment matched its recorded size and MD5.
///
/// Each segment is fetched by a thread of its own into a ``SegmentSpool`` (an unlinked file in the spool
/// directory); the calling (blocking) thread waits until the segment it needs next is sealed, which happens only
/// once its MD5 matched, then copies it into the sink and drops it. Segments `i ..< i + downloadParallelism` are
/// in flight while segment `i` is awaited or copied, so a store that caps each connection's rate (a Swift proxy,
/// a cross-region link) is read over as many connections; memory stays at a chunk per transfer whatever the
/// segment size, and disk use at most `downloadParallelism` segments. A transient failure resumes the segment
/// where it broke off (HTTP `Range`). A segment whose bytes do not match fails the load with
/// ``ObjectStorageError/segmentChecksumMismatch(segment:expected:actual:)`` or
/// ``ObjectStorageError/segmentSizeMismatch(segment:expected:actual:)`` when the consumer reaches it, before the
/// sink saw any of it (the first bad segment in the stream is the one named); the sink then holds the segments
/// before it, and is not finished.
///
/// `@unchecked Sendable`: the mutable fields are read and written only while holding `condition`.
final class SegmentedDownload: @unchecked Sendable {
    private let segments: [SegmentReference]
    private let reader: any SegmentReader
    private let configuration: StorageConfiguration
    private let spoolDirectory: String
    private let abort: TransferAbortSignal
    private let progress: @Sendable (StorageEvent) -> Void
    private let logger: Logger
    private let workers = WorkerThreads()

    private let condition = ConditionLock()
    private var spools: [Int: SegmentSpool] = [:]
    private var started = 0
    private var failure: (any Error)?

    init(
        segments: [SegmentReference],
        reader: any SegmentReader,
        configuration: StorageConfiguration,
        spoolDirectory: String,
        abort: TransferAbortSignal,
        progress: @escaping @Sendable (StorageEvent) -> Void,
        logger: Logger
    ) {
        self.segments = segments
        self.reader = reader
        self.configuration = configuration
        self.spoolDirectory = spoolDirectory
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
                try startSegments(below: min(segments.count, index + configuration.downloadParallelism))
                let spool: SegmentSpool = try condition.withLock {
                    if let failure { throw failure }
                    guard let spool = spools[index] else { preconditionFailure("segment \(index) was not started") }
                    return spool
                }
                let (length, _) = try spool.waitUntilSealed()
                var offset: Int64 = 0
                while offset < length {
                    if abort.isAborted { throw ObjectStorageError.cancelled }
                    var chunk = [UInt8](repeating: 0, count: Int(min(Int64(configuration.chunkSize), length - offset)))
                    let count = try chunk.withUnsafeMutableBytes { try spool.read(at: offset, into: $0) }
                    if count < chunk.count { chunk.removeLast(chunk.count - count) }
                    try sink.write(chunk)
                    offset += Int64(count)
                    total += Int64(count)
                    progress(.transferred(totalBytes: total))
                }
                condition.withLock { spools[index] = nil }
                progress(.segmentVerified(name: segments[index].displayName, bytes: length))
            }
            try sink.finish()
        } catch {
            recordFailure(error)
        }
        workers.waitForAll()
        if let failure = condition.withLock({ self.failure }) { throw failure }
        return total
    }

    /// Starts every segment below `end` not started yet, each with its spool and a thread of its own.
    private func startSegments(below end: Int) throws {
        while true {
            let index: Int? = try condition.withLock {
                if let failure { throw failure }
                guard started < end else { return nil }
                started += 1
                return started - 1
            }
            guard let index else { return }
            let segment = segments[index]
            let spool = try SegmentSpool.anonymous(in: spoolDirectory, segmentName: segment.displayName)
            condition.withLock { spools[index] = spool }
            workers.spawn(name: "segment-\(index)") { [self] in fetchSegment(segment, into: spool) }
        }
    }

    /// Fetches `segment` into `spool` (resuming after transient failures), checks its size and MD5, and seals the
    /// spool only when both match.
    private func fetchSegment(_ segment: SegmentReference, into spool: SegmentSpool) {
        do {
            let md5 = try ObjectNaming.makeHasher()
            var receivedBytes: Int64 = 0
            let retry = RetryLoop(policy: configuration.retry, progress: progress, abort: abort)
            try retry.run(object: segment.displayName) { _ in
                if let size = segment.size, receivedBytes >= size { return }
                try reader.fetch(segment, from: receivedBytes, abort: abort) { bytes in
                    if let size = segment.size, receivedBytes + Int64(bytes.count) > size {
                        throw ObjectStorageError.segmentSizeMismatch(
                            segment: segment.displayName, expected: size, actual: receivedBytes + Int64(bytes.count))
                    }
                    try spool.append(bytes)
                    md5.update(bytes)
                    receivedBytes += Int64(bytes.count)
                }
            }
            if let size = segment.size, receivedBytes != size {
                throw ObjectStorageError.segmentSizeMismatch(
                    segment: segment.displayName, expected: size, actual: receivedBytes)
            }
            let actual = md5.finalizeHex()
            if let expected = segment.md5, expected != actual {
                throw ObjectStorageError.segmentChecksumMismatch(
                    segment: segment.displayName, expected: expected, actual: actual)
            }
            spool.seal(md5: actual)
            logger.debug("segment verified", metadata: ["segment": "\(segment.displayName)", "bytes": "\(receivedBytes)"])
        } catch {
            // The segment's own failure, met by the consumer when it reaches this segment: of two bad segments,
            // the one first in the stream is named, whichever download ended first.
            spool.fail(error)
        }
    }

    /// Keeps the first failure, aborts every transfer, and fails every spool so that nobody waits for ever.
    private func recordFailure(_ error: any Error) {
        let (first, open): (any Error, [SegmentSpool]) = condition.withLock {
            if failure == nil { failure = error }
            return (failure!, Array(spools.values))
        }
        abort.abort(reason: "download failed")
        for spool in open { spool.fail(first) }
    }
}
