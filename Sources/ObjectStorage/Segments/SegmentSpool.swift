import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The bytes of one segment in flight, on disk: the producer appends them as the stream arrives, and the store
/// reads them (following the tail while the producer is still writing) as often as it needs to: a failed
/// upload of the segment is sent again from the spool without touching the stream.
///
/// Memory stays bounded whatever the segment size (2 GiB by default); disk use is one segment per segment in
/// flight. A Swift spool is unlinked as soon as it is created (a crash leaves nothing); a local spool is the
/// segment's own temporary file, renamed into place by ``commit(to:)`` or removed on `deinit`.
///
/// `@unchecked Sendable`: every mutable field is read and written only while holding `condition`; the file is
/// appended by one producer thread and read with positioned reads.
final class SegmentSpool: @unchecked Sendable {
    /// The segment's object name.
    let segmentName: String
    private let file: OpenFile
    /// The temporary path to rename into place, or `nil` when the file is already unlinked.
    private let temporaryPath: String?

    private let condition = ConditionLock()
    private var length: Int64 = 0
    private var sealedMD5: String?
    private var failure: (any Error)?
    private var committed = false

    private init(segmentName: String, file: OpenFile, temporaryPath: String?) {
        self.segmentName = segmentName
        self.file = file
        self.temporaryPath = temporaryPath
    }

    deinit {
        if let temporaryPath, !committed { unlink(temporaryPath) }
    }

    /// A spool in `directory` whose file is unlinked at once (it vanishes when the spool is released).
    static func anonymous(in directory: String, segmentName: String) throws(ObjectStorageError) -> SegmentSpool {
        let path = directory + "/.trove-db2-agent-spool-" + UUID().uuidString
        let file = try OpenFile.createNew(at: path)
        unlink(path)
        return SegmentSpool(segmentName: segmentName, file: file, temporaryPath: nil)
    }

    /// A spool at `temporaryPath`, meant to be renamed into place with ``commit(to:)``.
    static func temporary(at temporaryPath: String, segmentName: String) throws(ObjectStorageError) -> SegmentSpool {
        SegmentSpool(segmentName: segmentName, file: try OpenFile.createNew(at: temporaryPath), temporaryPath: temporaryPath)
    }

    /// Appends bytes (producer thread only).
    ///
    /// - Throws: the spool's failure if it was failed, or a file error.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        let offset: Int64 = try condition.withLock {
            if let failure { throw failure }
            precondition(sealedMD5 == nil, "append to a sealed spool")
            return length
        }
        try file.write(bytes, at: offset)
        condition.withLock {
            length += Int64(bytes.count)
            condition.broadcast()
        }
    }

    /// Marks the end of the segment; `md5` is the hex MD5 of everything appended.
    func seal(md5: String) {
        condition.withLock {
            sealedMD5 = md5
            condition.broadcast()
        }
    }

    /// Fails the spool: readers waiting for bytes and later appends throw `error`. The first failure wins.
    func fail(_ error: any Error) {
        condition.withLock {
            if failure == nil { failure = error }
            condition.broadcast()
        }
    }

    /// Length and MD5 once sealed, `nil` before.
    var sealed: (length: Int64, md5: String)? {
        condition.withLock { sealedMD5.map { (length, $0) } }
    }

    /// Reads bytes at `offset`, waiting while the producer has not written them yet. Returns 0 at the sealed end.
    ///
    /// - Throws: the spool's failure, or a file error.
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let available: Int64 = try condition.withLock {
            while true {
                if let failure { throw failure }
                if length > offset || sealedMD5 != nil { return length - offset }
                condition.wait()
            }
        }
        if available <= 0 { return 0 }
        let wanted = Int(min(Int64(buffer.count), available))
        let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: offset)
        guard count > 0 else { throw ObjectStorageError.localFile(path: file.path, operation: "read", errno: EIO) }
        return count
    }

    /// Waits until the segment is sealed and returns its length and MD5.
    ///
    /// - Throws: the spool's failure.
    func waitUntilSealed() throws -> (length: Int64, md5: String) {
        try condition.withLock {
            while true {
                if let failure { throw failure }
                if let sealedMD5 { return (length, sealedMD5) }
                condition.wait()
            }
        }
    }

    /// Makes a sealed temporary spool durable under `finalPath`: fsync, then rename (atomic on one filesystem).
    func commit(to finalPath: String) throws(ObjectStorageError) {
        guard let temporaryPath else { preconditionFailure("commit of an anonymous spool") }
        try file.sync()
        guard rename(temporaryPath, finalPath) == 0 else {
            throw .localFile(path: finalPath, operation: "rename \(temporaryPath) to", errno: errno)
        }
        condition.withLock { committed = true }
    }
}
