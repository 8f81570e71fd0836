import HTTPTransport

/// What a store does with segments for ``SegmentedUpload``: the part of an upload that differs between Swift and
/// a local directory. Everything else (cutting the stream, checksums, parallelism, retries, cleanup) is shared.
protocol SegmentWriter: Sendable {
    /// A spool that will receive the bytes of segment `segmentName` as the stream produces them.
    func makeSpool(segmentName: String) throws -> SegmentSpool

    /// Stores the segment whose bytes arrive in `spool` (possibly still being written while this runs) and
    /// returns the MD5 the store reports for what it stored. Blocking; called again, with the next `attempt`,
    /// after a transient failure.
    func storeSegment(_ spool: SegmentSpool, attempt: Int, abort: TransferAbortSignal) throws -> String

    /// Deletes one object written by the upload; an object that does not exist counts as deleted.
    func deleteObject(_ name: String) throws
}
