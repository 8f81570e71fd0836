#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// How backups are laid out and moved: plain values; the agent maps Trove's options onto them.
///
/// | Field | Trove option (`[DEFAULT]`) |
/// |---|---|
/// | ``container`` | `backup_swift_container` (`database_backups`) |
/// | ``segmentSize`` | `backup_segment_max_size` (2 GiB) |
/// | ``chunkSize`` | `backup_chunk_size` (64 KiB) |
/// | ``verifyChecksumOnLoad`` | `verify_swift_checksum_on_restore` (true) |
/// | ``metadata`` | the backup's `datastore` / `datastore_version` |
public struct StorageConfiguration: Sendable, Equatable {
    /// The Swift container (or the sub-directory of a ``LocalStorage``) holding backups.
    public var container: String
    /// The largest segment in bytes; a backup larger than this is stored as several segments and a manifest.
    public var segmentSize: Int64
    /// Bytes per read and write between the stream and the store (and per buffered chunk on download).
    public var chunkSize: Int
    /// Attempts and back-off for each segment, manifest and cleanup request.
    public var retry: RetryPolicy
    /// Segments uploading at once. While one waits for its response (and ETag), the next one streams.
    public var uploadParallelism: Int
    /// Parts (byte ranges of ``downloadPartSize``) downloading at once, over as many connections: a restore behind
    /// a proxy that caps each connection's rate runs this many times faster than over one. Each segment is spooled
    /// to disk (``spoolDirectory``) until its MD5 is checked, and parts run at most `downloadParallelism` ×
    /// ``downloadPartSize`` bytes past the segment being restored, so a restore needs room there for one
    /// ``segmentSize`` plus that.
    public var downloadParallelism: Int
    /// Bytes one connection fetches of a segment (an HTTP `Range`): a segment larger than this is fetched over
    /// several connections at once.
    public var downloadPartSize: Int64
    /// Metadata stored with every backup as `X-Object-Meta-<key>` (`_` becomes `-`), e.g. `datastore` and
    /// `datastore_version`. A `save` call's own metadata wins on equal keys.
    public var metadata: [String: String]
    /// Whether `load` compares the expected checksum with the stored object's before fetching anything.
    /// Segments are always verified against their manifest while streaming.
    public var verifyChecksumOnLoad: Bool
    /// The most segments one backup may have (Swift's SLO limit `max_manifest_segments`, 1000 by default).
    public var maxSegments: Int
    /// Where ``SwiftStorage`` spools each segment in flight so that a failed segment can be sent again, and where
    /// both storages spool each downloaded segment until its MD5 is checked (`nil`: the system's temporary
    /// directory). Needs room for ``uploadParallelism`` × ``segmentSize`` bytes (backup), or one ``segmentSize``
    /// plus ``downloadParallelism`` × ``downloadPartSize`` (restore); the files are unlinked at creation, so
    /// nothing is left behind after a crash.
    public var spoolDirectory: String?
    /// Limit for connecting to Swift.
    public var connectTimeout: Duration
    /// A transfer fails (and is retried) after this long without a byte moving.
    public var stallTimeout: Duration

    public init(
        container: String = "database_backups",
        segmentSize: Int64 = 2 * 1024 * 1024 * 1024,
        chunkSize: Int = 64 * 1024,
        retry: RetryPolicy = RetryPolicy(),
        uploadParallelism: Int = 2,
        downloadParallelism: Int = 4,
        downloadPartSize: Int64 = 64 * 1024 * 1024,
        metadata: [String: String] = [:],
        verifyChecksumOnLoad: Bool = true,
        maxSegments: Int = 1000,
        spoolDirectory: String? = nil,
        connectTimeout: Duration = .seconds(10),
        stallTimeout: Duration = .seconds(120)
    ) {
        self.container = container
        self.segmentSize = segmentSize
        self.chunkSize = chunkSize
        self.retry = retry
        self.uploadParallelism = uploadParallelism
        self.downloadParallelism = downloadParallelism
        self.downloadPartSize = downloadPartSize
        self.metadata = metadata
        self.verifyChecksumOnLoad = verifyChecksumOnLoad
        self.maxSegments = maxSegments
        self.spoolDirectory = spoolDirectory
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
    }

    /// The metadata to store with `objectName`: ``metadata`` plus `extra` (which wins on equal keys), after checking
    /// the name and every entry.
    ///
    /// - Throws: ``ObjectStorageError/invalidName(_:reason:)`` or ``ObjectStorageError/invalidConfiguration(_:)``.
    func metadata(for objectName: String, adding extra: [String: String]) throws(ObjectStorageError) -> [String: String] {
        try ObjectNaming.validateObjectName(objectName)
        let all = metadata.merging(extra) { _, call in call }
        for (key, value) in all { try ObjectNaming.validateMetadata(key: key, value: value) }
        try ObjectNaming.validateMetadataTotal(all)
        return all
    }

    /// Checks every field.
    ///
    /// - Throws: ``ObjectStorageError/invalidConfiguration(_:)`` naming the first bad field.
    public func validate() throws(ObjectStorageError) {
        try ObjectNaming.validateContainer(container)
        guard segmentSize > 0 else { throw .invalidConfiguration("segment size must be positive, got \(segmentSize)") }
        guard chunkSize > 0 else { throw .invalidConfiguration("chunk size must be positive, got \(chunkSize)") }
        guard uploadParallelism > 0, downloadParallelism > 0 else {
            throw .invalidConfiguration("upload and download parallelism must be at least 1")
        }
        guard downloadPartSize > 0 else {
            throw .invalidConfiguration("download part size must be positive, got \(downloadPartSize)")
        }
        guard maxSegments > 0 else { throw .invalidConfiguration("max segments must be at least 1") }
        try retry.validate()
        for (key, value) in metadata { try ObjectNaming.validateMetadata(key: key, value: value) }
    }
}
