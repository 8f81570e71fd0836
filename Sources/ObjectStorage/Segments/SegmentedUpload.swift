import AgentSupport
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport
import Logging

/// Cuts a byte stream into segments of at most `segmentSize` bytes and stores them through a ``SegmentWriter``,
/// several at once, each checked against the MD5 computed while it streamed.
///
/// The calling (blocking) thread reads the stream and appends to the current segment's ``SegmentSpool``; each
/// segment is stored by a thread of its own that reads its spool as it fills. At most `uploadParallelism`
/// segments are in flight: while one waits for its response, the next one streams. A transient failure of a
/// segment is retried from its spool (only that segment). When anything fails for good, the other transfers are
/// aborted, reading stops, and every segment written so far is deleted.
///
/// A stream ending exactly at a segment boundary does not get an empty extra segment; an empty stream gets one
/// empty segment (the backup must exist).
///
/// `@unchecked Sendable`: the mutable fields are read and written only while holding `condition`.
final class SegmentedUpload: @unchecked Sendable {
    struct Result {
        let segments: [StoredSegment]
        let size: Int64
    }

    private let objectName: String
    private let base: String
    private let writer: any SegmentWriter
    private let configuration: StorageConfiguration
    private let progress: @Sendable (StorageEvent) -> Void
    private let logger: Logger
    /// Aborted by the caller's cancellation, and by the first failure (to stop the other segments' transfers).
    private let abort: TransferAbortSignal
    private let workers = WorkerThreads()

    private let condition = ConditionLock()
    private var inFlight = 0
    private var begun = 0
    private var stored: [Int: StoredSegment] = [:]
    private var openSpools: [Int: SegmentSpool] = [:]
    private var failure: (any Error)?

    init(
        objectName: String,
        writer: any SegmentWriter,
        configuration: StorageConfiguration,
        abort: TransferAbortSignal,
        progress: @escaping @Sendable (StorageEvent) -> Void,
        logger: Logger
    ) {
        self.objectName = objectName
        self.base = ObjectNaming.baseName(of: objectName)
        self.writer = writer
        self.configuration = configuration
        self.abort = abort
        self.progress = progress
        self.logger = logger
    }

    /// Reads `source` to its end and stores it as segments. Blocking.
    ///
    /// - Returns: the segments in order and the total size.
    /// - Throws: the first failure (the source's own error, or an ``ObjectStorageError``) once every segment
    ///   written has been deleted; ``ObjectStorageError/uploadAbandoned(object:cause:leftBehind:)`` when some
    ///   could not be.
    func run(source: any ByteSource) throws -> Result {
        var total: Int64 = 0
        var current: OpenSegment?
        do {
            while let chunk = try nextChunk(from: source) {
                var offset = 0
                while offset < chunk.count {
                    if current == nil { current = try beginSegment() }
                    let segment = current!
                    let count = Int(min(Int64(chunk.count - offset), configuration.segmentSize - segment.size))
                    try chunk[offset..<(offset + count)].withUnsafeBytes { bytes in
                        try segment.spool.append(bytes)
                        segment.md5.update(bytes)
                    }
                    segment.size += Int64(count)
                    offset += count
                    if segment.size == configuration.segmentSize {
                        segment.seal()
                        current = nil
                    }
                }
                total += Int64(chunk.count)
                progress(.transferred(totalBytes: total))
            }
            if let current {
                current.seal()
            } else if condition.withLock({ begun }) == 0 {
                try beginSegment().seal()
            }
        } catch {
            recordFailure(error)
            // Its worker may be waiting for more bytes that will never come.
            current?.spool.fail(error)
        }
        workers.waitForAll()
        if let failure = condition.withLock({ self.failure }) {
            throw abandon(cause: failure)
        }
        let segments = condition.withLock { (0..<begun).compactMap { stored[$0] } }
        precondition(segments.count == condition.withLock({ begun }), "every segment begun was stored")
        return Result(segments: segments, size: total)
    }

    /// Deletes `names` (each with the retry policy), and returns the error to throw for `cause`: `cause` itself when
    /// everything was deleted, ``ObjectStorageError/uploadAbandoned(object:cause:leftBehind:)`` otherwise.
    func abandon(cause: any Error, extraObjects: [String] = []) -> any Error {
        let names = condition.withLock { (0..<begun).map { ObjectNaming.segmentName(base: base, index: $0) } }
        progress(.abandoning(object: objectName, reason: "\(cause)"))
        logger.warning(
            "upload failed; deleting what it wrote",
            metadata: ["object": "\(objectName)", "error": "\(cause)", "objects": "\(names.count + extraObjects.count)"])
        let retry = RetryLoop(policy: configuration.retry, progress: progress, abort: nil)
        // The manifest (if any) first, so that a half-deleted backup is never readable as a whole one.
        let leftBehind = Self.deleteAll(extraObjects + names, retry: retry, logger: logger, delete: writer.deleteObject)
        if leftBehind.isEmpty { return cause }
        return ObjectStorageError.uploadAbandoned(object: objectName, cause: cause, leftBehind: leftBehind)
    }

    /// Deletes each name with `retry`; after one deletion fails for good the store is taken as unreachable and the
    /// rest are not tried. Returns the names not deleted.
    static func deleteAll(
        _ names: [String], retry: RetryLoop, logger: Logger, delete: (String) throws -> Void
    ) -> [String] {
        var leftBehind: [String] = []
        for name in names {
            if !leftBehind.isEmpty {
                leftBehind.append(name)
                continue
            }
            do {
                try retry.run(object: name) { _ in try delete(name) }
            } catch {
                logger.error("could not delete", metadata: ["object": "\(name)", "error": "\(error)"])
                leftBehind.append(name)
            }
        }
        return leftBehind
    }

    // MARK: - Producer side

    /// The segment being filled by the producer thread (never shared: the worker sees only its spool).
    private final class OpenSegment {
        let index: Int
        let spool: SegmentSpool
        let md5: MD5Hasher
        var size: Int64 = 0

        init(index: Int, spool: SegmentSpool, md5: MD5Hasher) {
            self.index = index
            self.spool = spool
            self.md5 = md5
        }

        func seal() { spool.seal(md5: md5.finalizeHex()) }
    }

    private func nextChunk(from source: any ByteSource) throws -> [UInt8]? {
        if let failure = condition.withLock({ self.failure }) { throw failure }
        if abort.isAborted { throw ObjectStorageError.cancelled }
        return try source.nextChunk()
    }

    /// Waits for a free slot, then opens the next segment and starts its worker.
    private func beginSegment() throws -> OpenSegment {
        let index: Int = try condition.withLock {
            while inFlight >= configuration.uploadParallelism && failure == nil && !abort.isAborted {
                // Timed: a cancellation sets `abort` without signalling this condition.
                _ = condition.wait(until: Date(timeIntervalSinceNow: 0.2))
            }
            if let failure { throw failure }
            if abort.isAborted { throw ObjectStorageError.cancelled }
            guard begun < configuration.maxSegments else {
                throw ObjectStorageError.tooManySegments(
                    object: objectName, limit: configuration.maxSegments, segmentSize: configuration.segmentSize)
            }
            begun += 1
            inFlight += 1
            return begun - 1
        }
        let name = ObjectNaming.segmentName(base: base, index: index)
        let spool: SegmentSpool
        let md5: MD5Hasher
        do {
            spool = try writer.makeSpool(segmentName: name)
            md5 = try ObjectNaming.makeHasher()
        } catch {
            condition.withLock {
                inFlight -= 1
                condition.broadcast()
            }
            throw error
        }
        condition.withLock {
            // A failure recorded since the slot was taken must reach this spool too.
            if let failure { spool.fail(failure) }
            openSpools[index] = spool
        }
        workers.spawn(name: "segment-\(index)") { [self] in storeSegment(index: index, spool: spool) }
        return OpenSegment(index: index, spool: spool, md5: md5)
    }

    // MARK: - Worker side

    private func storeSegment(index: Int, spool: SegmentSpool) {
        let retry = RetryLoop(policy: configuration.retry, progress: progress, abort: abort)
        do {
            let storedMD5 = try retry.run(object: spool.segmentName) { attempt in
                let reported = try writer.storeSegment(spool, attempt: attempt, abort: abort)
                guard let sealed = spool.sealed else {
                    throw ObjectStorageError.invalidManifest(
                        object: spool.segmentName, reason: "store finished before the segment ended")
                }
                guard reported == sealed.md5 else {
                    throw ObjectStorageError.segmentChecksumMismatch(
                        segment: spool.segmentName, expected: sealed.md5, actual: reported)
                }
                return sealed
            }
            let segment = StoredSegment(name: spool.segmentName, md5: storedMD5.md5, size: storedMD5.length)
            condition.withLock {
                stored[index] = segment
                openSpools[index] = nil
                inFlight -= 1
                condition.broadcast()
            }
            logger.debug("segment stored", metadata: ["segment": "\(segment.name)", "bytes": "\(segment.size)"])
            progress(.segmentStored(segment))
        } catch {
            recordFailure(error)
            condition.withLock {
                openSpools[index] = nil
                inFlight -= 1
                condition.broadcast()
            }
        }
    }

    /// Keeps the first failure, aborts every transfer, and wakes everything waiting.
    private func recordFailure(_ error: any Error) {
        let spools: [SegmentSpool] = condition.withLock {
            if failure == nil { failure = error }
            condition.broadcast()
            return Array(openSpools.values)
        }
        abort.abort(reason: "upload of \(objectName) failed")
        let first = condition.withLock { failure! }
        for spool in spools { spool.fail(first) }
    }
}
