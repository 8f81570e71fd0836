import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport
import Logging

/// Streams a list of segments, in order, into a ``ByteSink``, fetching up to `downloadParallelism` byte ranges at
/// once and handing over no byte of a segment before the whole segment matched its recorded size and MD5.
///
/// Each segment is cut into parts of ``StorageConfiguration/downloadPartSize`` bytes, fetched by threads of their
/// own into a ``SegmentAssembly`` (an unlinked file in the spool directory), in order, at most
/// `downloadParallelism` at a time: a store that caps each connection's rate (a Swift proxy, a cross-region link)
/// is read over as many connections, whether the backup has one segment or many. The calling (blocking) thread
/// waits until the segment it needs next is verified, copies it into the sink and drops it. Parts of the segments
/// after that one are started only up to `downloadParallelism` × `downloadPartSize` bytes ahead, so disk use stays
/// at one segment plus that, and memory at a buffer per transfer. A transient failure resumes a part where it
/// broke off (HTTP `Range`). A segment whose bytes do not match fails the load with
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
    private var assemblies: [Int: SegmentAssembly] = [:]
    /// The next part to start: its segment, and its index in that segment.
    private var nextSegment = 0
    private var nextPart = 0
    private var inFlight = 0
    /// The segment the consumer waits for or copies.
    private var consuming = 0
    /// Bytes of the parts started for each segment not yet consumed, and their sum past `consuming`.
    private var startedBytes: [Int: Int64] = [:]
    private var aheadBytes: Int64 = 0
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
                condition.withLock {
                    consuming = index
                    aheadBytes -= startedBytes[index] ?? 0
                }
                startParts()
                let assembly: SegmentAssembly = try condition.withLock {
                    while true {
                        if let failure { throw failure }
                        if let assembly = assemblies[index] { return assembly }
                        condition.wait()
                    }
                }
                let length = try assembly.waitUntilVerified()
                var offset: Int64 = 0
                while offset < length {
                    if abort.isAborted { throw ObjectStorageError.cancelled }
                    var chunk = [UInt8](repeating: 0, count: Int(min(Int64(configuration.chunkSize), length - offset)))
                    let count = try chunk.withUnsafeMutableBytes { try assembly.read(at: offset, into: $0) }
                    guard count > 0 else {
                        throw ObjectStorageError.localFile(path: spoolDirectory, operation: "read", errno: EIO)
                    }
                    if count < chunk.count { chunk.removeLast(chunk.count - count) }
                    try sink.write(chunk)
                    offset += Int64(count)
                    total += Int64(count)
                    progress(.transferred(totalBytes: total))
                }
                condition.withLock {
                    assemblies[index] = nil
                    startedBytes[index] = nil
                }
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

    /// Starts the next parts, in order, while fewer than `downloadParallelism` run and the next one is of the
    /// consumer's segment or within `downloadParallelism` × `downloadPartSize` bytes past it.
    private func startParts() {
        let partSize = configuration.downloadPartSize
        let lookahead = Int64(configuration.downloadParallelism) * partSize
        while true {
            let next: (SegmentAssembly, Int)?
            do {
                next = try condition.withLock { () throws -> (SegmentAssembly, Int)? in
                    guard failure == nil, nextSegment < segments.count, inFlight < configuration.downloadParallelism
                    else { return nil }
                    let segment = nextSegment
                    let part = nextPart
                    // An unknown size counts as a whole part.
                    let bytes = segments[segment].size.map { min(partSize, $0 - Int64(part) * partSize) } ?? partSize
                    guard segment == consuming || aheadBytes + bytes <= lookahead else { return nil }
                    let assembly: SegmentAssembly
                    if let existing = assemblies[segment] {
                        assembly = existing
                    } else {
                        assembly = try SegmentAssembly(
                            segment: segments[segment], partSize: partSize, directory: spoolDirectory)
                        assemblies[segment] = assembly
                        condition.broadcast()
                    }
                    nextPart += 1
                    if nextPart == assembly.parts.count {
                        nextSegment += 1
                        nextPart = 0
                    }
                    inFlight += 1
                    startedBytes[segment, default: 0] += bytes
                    if segment != consuming { aheadBytes += bytes }
                    return (assembly, part)
                }
            } catch {
                recordFailure(error)
                return
            }
            guard let (assembly, part) = next else { return }
            workers.spawn(name: "segment-part") { [self] in
                fetchPart(part, of: assembly)
                condition.withLock { inFlight -= 1 }
                startParts()
            }
        }
    }

    /// Fetches part `index` of `assembly` (resuming after transient failures) and hands it over; a failure fails
    /// only that segment, met by the consumer when it reaches it: of two bad segments, the one first in the stream
    /// is named, whichever download ended first.
    private func fetchPart(_ index: Int, of assembly: SegmentAssembly) {
        let segment = assembly.segment
        let part = assembly.parts[index]
        do {
            var received: Int64 = 0
            let retry = RetryLoop(policy: configuration.retry, progress: progress, abort: abort)
            try retry.run(object: segment.displayName) { _ in
                if let end = part.end, part.offset + received >= end { return }
                try reader.fetch(segment, from: part.offset + received, upTo: part.end, abort: abort) { bytes in
                    if let size = segment.size, part.offset + received + Int64(bytes.count) > size {
                        throw ObjectStorageError.segmentSizeMismatch(
                            segment: segment.displayName, expected: size,
                            actual: part.offset + received + Int64(bytes.count))
                    }
                    try assembly.write(bytes, at: part.offset + received)
                    received += Int64(bytes.count)
                }
            }
            assembly.finishPart(index, length: received)
        } catch {
            assembly.fail(error)
        }
    }

    /// Keeps the first failure, aborts every transfer, and fails every segment so that nobody waits for ever.
    private func recordFailure(_ error: any Error) {
        let open: [SegmentAssembly] = condition.withLock {
            if failure == nil { failure = error }
            condition.broadcast()
            return Array(assemblies.values)
        }
        abort.abort(reason: "download failed")
        for assembly in open { assembly.fail(error) }
    }
}
