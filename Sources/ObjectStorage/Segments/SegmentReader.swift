import HTTPTransport

/// One segment to fetch for ``SegmentedDownload``, with what its manifest says about it.
struct SegmentReference: Sendable, Equatable {
    /// The segment's container (Swift) or directory (local).
    let container: String
    /// The segment's object (file) name.
    let object: String
    /// Its MD5 per the manifest (or listing, or ETag); `nil` when nothing recorded one.
    let md5: String?
    /// Its size per the manifest; `nil` when unknown.
    let size: Int64?

    /// `<container>/<object>`, as errors and events name it.
    var displayName: String { "\(container)/\(object)" }
}

/// How a store reads segments for ``SegmentedDownload``: the part of a download that differs between Swift and a
/// local directory.
protocol SegmentReader: Sendable {
    /// Streams the bytes of `segment` from byte `offset` up to byte `end` (excluded; `nil`: to its end) into
    /// `consumer`. Blocking; called again from the first byte not yet received after a transient failure.
    func fetch(
        _ segment: SegmentReference,
        from offset: Int64,
        upTo end: Int64?,
        abort: TransferAbortSignal,
        into consumer: (UnsafeRawBufferPointer) throws -> Void
    ) throws
}

