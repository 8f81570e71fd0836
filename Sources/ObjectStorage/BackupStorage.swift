import AgentSupport

/// Where backups go and come back from: OpenStack Swift (``SwiftStorage``, Trove's default) or a local directory
/// (``LocalStorage``). Both directions stream in constant memory, and both use the same segment layout and
/// checksums, so a backup's checksum means the same thing in either store.
public protocol BackupStorage: Sendable {
    /// Streams `source` to its end into the store as object `objectName` (e.g. `<backup id>.gz.enc`), cut into
    /// segments `<id>_00000000`, `<id>_00000001`, ... and tied together by a manifest.
    ///
    /// Reads `source` on a thread of its own. Transient failures of a segment are retried from that segment; when
    /// the upload fails for good, the segments already written are deleted before this throws.
    ///
    /// - Parameters:
    ///   - metadata: stored with the backup (`X-Object-Meta-<key>`), added to the configuration's metadata; the
    ///     part known only at the end is asked for once the stream has ended.
    ///   - progress: called with ``StorageEvent``s from storage threads.
    /// - Returns: the location, checksum, size and segments Trove records.
    /// - Throws: ``ObjectStorageError``, or the source's own error (after cleanup). If some objects could not be
    ///   deleted after a failure: ``ObjectStorageError/uploadAbandoned(object:cause:leftBehind:)``.
    func save(
        objectName: String,
        from source: any ByteSource,
        metadata: BackupMetadata,
        progress: @escaping @Sendable (StorageEvent) -> Void
    ) async throws -> StoredBackup

    /// Streams the backup at `location` into `sink`, then finishes the sink.
    ///
    /// First checks `expectedChecksum` (when given and verification is configured) against the stored
    /// manifest's, before writing anything; then verifies every segment's MD5 and size while streaming.
    ///
    /// - Returns: the number of bytes written to `sink`.
    /// - Throws: ``ObjectStorageError`` (``ObjectStorageError/checksumMismatch(object:expected:actual:)``,
    ///   ``ObjectStorageError/segmentChecksumMismatch(segment:expected:actual:)``, ...), or the sink's own error.
    ///   After an error the sink is not finished: discard what it received.
    func load(
        location: String,
        expectedChecksum: String?,
        into sink: any ByteSink,
        progress: @escaping @Sendable (StorageEvent) -> Void
    ) async throws -> Int64

    /// The stored backup's checksum, size and metadata (Trove's `load_metadata`), checked against
    /// `expectedChecksum` when given and verification is configured.
    ///
    /// - Throws: ``ObjectStorageError``.
    func info(location: String, expectedChecksum: String?) async throws -> StoredObjectInfo

    /// Deletes the backup at `location`: its manifest and all its segments.
    ///
    /// - Throws: ``ObjectStorageError`` (``ObjectStorageError/notFound(_:)`` when there is no such backup).
    func delete(location: String) async throws

    /// Deletes whatever an interrupted upload of `objectName` left: every `<base>_NNNNNNNN` segment and the
    /// manifest if present. For crash recovery: call it for a backup whose upload did not complete.
    ///
    /// - Returns: the names deleted (empty when there was nothing).
    /// - Throws: ``ObjectStorageError``.
    func deletePartialUpload(objectName: String) async throws -> [String]
}
