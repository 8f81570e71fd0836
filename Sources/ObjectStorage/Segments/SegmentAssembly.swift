import AgentSupport
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// One downloading segment on disk, fetched as byte ranges (parts) over several connections at once, and verified
/// before anything reads it: each part is written at its offset in an unlinked file; the MD5 follows the finished
/// parts from the segment's start (whichever part thread extends that prefix hashes it, reading back from the
/// page cache), and the segment is readable only once every part arrived and its size and MD5 match the
/// manifest's.
///
/// `@unchecked Sendable`: every mutable field is read and written only while holding `condition`; the MD5 state is
/// used by one thread at a time (the one that set `hashing`), the file with positioned reads and writes.
final class SegmentAssembly: @unchecked Sendable {
    /// The part of a segment one connection fetches: bytes `offset ..< end` (`end` `nil`: to the object's end).
    struct Part: Sendable {
        let offset: Int64
        let end: Int64?
    }

    let segment: SegmentReference
    let parts: [Part]
    private let file: OpenFile
    private let md5: MD5Hasher

    private let condition = ConditionLock()
    /// Bytes received of each finished part, `nil` while it is not.
    private var finished: [Int64?]
    private var hashedParts = 0
    private var hashedBytes: Int64 = 0
    private var hashing = false
    private var verifiedLength: Int64?
    private var failure: (any Error)?

    /// The parts of `segment`: ranges of `partSize` bytes when its size is known, else one part to its end.
    static func parts(of segment: SegmentReference, partSize: Int64) -> [Part] {
        guard let size = segment.size, size > 0 else { return [Part(offset: 0, end: segment.size)] }
        return stride(from: Int64(0), to: size, by: Int(partSize)).map {
            Part(offset: $0, end: min($0 + partSize, size))
        }
    }

    /// Creates the segment's file in `directory`, unlinked at once (it vanishes when the assembly is released).
    init(segment: SegmentReference, partSize: Int64, directory: String) throws(ObjectStorageError) {
        self.segment = segment
        self.parts = Self.parts(of: segment, partSize: partSize)
        let path = directory + "/.trove-db2-agent-download-" + UUID().uuidString
        file = try OpenFile.createNew(at: path)
        unlink(path)
        md5 = try ObjectNaming.makeHasher()
        finished = Array(repeating: nil, count: parts.count)
    }

    /// Writes bytes received for a part at `offset` in the segment (the part's thread only).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(ObjectStorageError) {
        try file.write(bytes, at: offset)
    }

    /// Records that part `index` ended after `length` bytes, hashes what that makes contiguous, and verifies the
    /// segment once every part is in.
    func finishPart(_ index: Int, length: Int64) {
        let part = parts[index]
        if let end = part.end, part.offset + length != end {
            fail(
                ObjectStorageError.segmentSizeMismatch(
                    segment: segment.displayName, expected: segment.size ?? end, actual: part.offset + length))
            return
        }
        condition.withLock { finished[index] = length }
        do {
            while let (offset, length) = nextToHash() {
                try hash(from: offset, length: length)
                condition.withLock {
                    hashedParts += 1
                    hashedBytes += length
                    hashing = false
                }
            }
        } catch {
            fail(error)
            return
        }
        verifyIfComplete()
    }

    /// The next finished part to hash, claimed for this thread; `nil` when another thread hashes, the next part
    /// has not arrived, or all are hashed.
    private func nextToHash() -> (offset: Int64, length: Int64)? {
        condition.withLock {
            guard failure == nil, !hashing, hashedParts < parts.count, let length = finished[hashedParts] else {
                return nil
            }
            hashing = true
            return (parts[hashedParts].offset, length)
        }
    }

    private func hash(from offset: Int64, length: Int64) throws {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position = offset
        while position < offset + length {
            let wanted = Int(min(Int64(buffer.count), offset + length - position))
            let count = try buffer.withUnsafeMutableBytes { bytes throws(ObjectStorageError) in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<wanted]), at: position)
            }
            guard count > 0 else { throw ObjectStorageError.localFile(path: file.path, operation: "read", errno: EIO) }
            buffer.withUnsafeBytes { md5.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            position += Int64(count)
        }
    }

    /// Compares size and MD5 with the manifest once every part is hashed (by the thread that hashed the last).
    private func verifyIfComplete() {
        let length: Int64? = condition.withLock {
            guard failure == nil, verifiedLength == nil, !hashing, hashedParts == parts.count else { return nil }
            hashing = true  // the digest is finalised once, by this thread
            return hashedBytes
        }
        guard let length else { return }
        if let size = segment.size, length != size {
            fail(ObjectStorageError.segmentSizeMismatch(segment: segment.displayName, expected: size, actual: length))
            return
        }
        let actual = md5.finalizeHex()
        if let expected = segment.md5, expected != actual {
            fail(
                ObjectStorageError.segmentChecksumMismatch(
                    segment: segment.displayName, expected: expected, actual: actual))
            return
        }
        condition.withLock {
            verifiedLength = length
            condition.broadcast()
        }
    }

    /// Fails the segment: its reader gets `error`. The first failure wins.
    func fail(_ error: any Error) {
        condition.withLock {
            if failure == nil { failure = error }
            condition.broadcast()
        }
    }

    /// Waits until the segment is verified and returns its length.
    ///
    /// - Throws: the segment's failure.
    func waitUntilVerified() throws -> Int64 {
        try condition.withLock {
            while true {
                if let failure { throw failure }
                if let verifiedLength { return verifiedLength }
                condition.wait()
            }
        }
    }

    /// Reads verified bytes at `offset`; 0 at the end.
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(ObjectStorageError) -> Int {
        try file.read(into: buffer, at: offset)
    }
}
