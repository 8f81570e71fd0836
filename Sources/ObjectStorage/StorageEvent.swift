/// Progress of a save or load, reported to the caller's `progress` closure.
///
/// The closure runs on a storage thread (never the cooperative pool) and may be called from several threads
/// at once for different segments: keep it short and thread-safe.
public enum StorageEvent: Sendable, Equatable {
    /// Total bytes read from the source (save) or written to the sink (load) so far.
    case transferred(totalBytes: Int64)
    /// A segment is stored and its checksum confirmed by the store.
    case segmentStored(StoredSegment)
    /// A downloaded segment matched its recorded MD5 and size.
    case segmentVerified(name: String, bytes: Int64)
    /// A request failed transiently and is tried again after `delay` (attempt `attempt` is next).
    case retrying(object: String, attempt: Int, delay: Duration, reason: String)
    /// The upload failed for good (`reason`); the segments already written are being deleted.
    case abandoning(object: String, reason: String)
}
