import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport
import Logging

/// Backups in OpenStack Swift, laid out exactly as Trove's Swift storage strategy lays them out, over libcurl.
///
/// A backup `<id>.gz.enc` is streamed as segments `<id>_00000000`, `<id>_00000001`, ... of at most
/// ``StorageConfiguration/segmentSize`` bytes into ``StorageConfiguration/container`` (created if missing), each
/// segment's MD5 checked against the ETag Swift returns. Several segments become a Static Large Object manifest
/// (`PUT ?multipart-manifest=put`); a single segment is copied to the backup's name (`X-Copy-From`) and deleted,
/// as Trove does. Metadata (`X-Object-Meta-datastore`, `-datastore-version`) goes on the final object in both
/// cases (Trove sends none on an SLO manifest). A final `HEAD` confirms the checksum Trove records: the MD5 of
/// the single segment, or the MD5 of the concatenated segment MD5s.
///
/// Restores read Trove's SLO backups, older DLO backups (`X-Object-Manifest`) and plain objects, several segments
/// at once, and use no byte of a segment before it matched its manifest (``SegmentedDownload``). As in Trove, a
/// location's container and object are its last two path components; the storage URL used is this storage's (the
/// request context's), not the one recorded in the location. Deleting is in `SwiftStorage+Deletion.swift`.
///
/// Segments in flight are spooled to disk (``StorageConfiguration/spoolDirectory``) so that a failed segment is
/// sent again without restarting the backup, and a downloaded one is checked before it is used; memory stays
/// bounded by a few chunks per transfer.
public final class SwiftStorage: BackupStorage {
    /// The account and token used.
    public let endpoint: SwiftEndpoint
    public let configuration: StorageConfiguration
    let connection: SwiftConnection
    let logger: Logger

    /// - Parameters:
    ///   - httpClient: shared with other storages to reuse connections; a new one by default.
    /// - Throws: ``ObjectStorageError/invalidConfiguration(_:)`` for a bad configuration or storage URL.
    public init(
        endpoint: SwiftEndpoint,
        configuration: StorageConfiguration = StorageConfiguration(),
        logger: Logger,
        httpClient: HTTPClient? = nil
    ) throws(ObjectStorageError) {
        try configuration.validate()
        guard endpoint.storageURL.hasPrefix("http://") || endpoint.storageURL.hasPrefix("https://") else {
            throw .invalidConfiguration("storage URL \(endpoint.storageURL.debugDescription) is not http(s)")
        }
        self.endpoint = endpoint
        self.configuration = configuration
        self.logger = logger
        let bufferSize = min(max(configuration.chunkSize, 64 * 1024), 1024 * 1024)
        self.connection = SwiftConnection(
            endpoint: endpoint, client: httpClient ?? HTTPClient(logger: logger, bufferSize: bufferSize),
            timeouts: HTTPTimeouts(
                connect: configuration.connectTimeout, stall: configuration.stallTimeout, total: nil))
    }

    var container: String { configuration.container }

    // MARK: - Save

    public func save(
        objectName: String,
        from source: any ByteSource,
        metadata: BackupMetadata,
        progress: @escaping @Sendable (StorageEvent) -> Void
    ) async throws -> StoredBackup {
        _ = try configuration.metadata(for: objectName, adding: metadata.known)
        return try await runBlocking(name: "swift-save") { [self] abort in
            try saveBlocking(objectName, source: source, metadata: metadata, progress: progress, abort: abort)
        }
    }

    private func saveBlocking(
        _ objectName: String,
        source: any ByteSource,
        metadata: BackupMetadata,
        progress: @escaping @Sendable (StorageEvent) -> Void,
        abort: TransferAbortSignal
    ) throws -> StoredBackup {
        let retry = RetryLoop(policy: configuration.retry, progress: progress, abort: abort)
        try createContainer(retry: retry, abort: abort)
        let writer = SwiftSegmentWriter(
            connection: connection, container: container,
            spoolDirectory: configuration.spoolDirectory ?? FileManager.default.temporaryDirectory.path)
        let upload = SegmentedUpload(
            objectName: objectName, writer: writer, configuration: configuration, abort: abort, progress: progress,
            logger: logger)
        let result = try upload.run(source: source)
        let checksum = try ObjectNaming.checksum(segmentMD5s: result.segments.map(\.md5))
        let segments: [StoredSegment]
        do {
            var metadataHeaders: HTTPHeaders = [:]
            let allMetadata = try configuration.metadata(for: objectName, adding: metadata.resolved())
            for (key, value) in allMetadata.sorted(by: { $0.key < $1.key }) {
                metadataHeaders.set(ObjectNaming.metadataHeader(key), value)
            }
            if result.segments.count == 1 {
                let segment = result.segments[0]
                try copySegment(segment, to: objectName, metadataHeaders: metadataHeaders, retry: retry, abort: abort)
                segments = [StoredSegment(name: objectName, md5: segment.md5, size: segment.size)]
            } else {
                try putManifest(
                    objectName, segments: result.segments, checksum: checksum, metadataHeaders: metadataHeaders,
                    retry: retry, abort: abort)
                segments = result.segments
            }
            let stored = try retry.run(object: objectName) { _ in try head(container, objectName, abort: abort) }
            let storedChecksum = ObjectNaming.normalizedETag(stored.headers["Etag"] ?? "")
            guard storedChecksum == checksum else {
                throw ObjectStorageError.checksumMismatch(
                    object: SwiftConnection.displayName(container, objectName), expected: checksum,
                    actual: storedChecksum)
            }
        } catch {
            throw upload.abandon(cause: error, extraObjects: [objectName])
        }
        if result.segments.count == 1 {
            // The copy is verified; the segment is now garbage. Failing to delete it loses nothing.
            let name = result.segments[0].name
            do {
                try retry.run(object: name) { _ in try writer.deleteObject(name) }
            } catch {
                logger.warning(
                    "could not delete the copied segment", metadata: ["segment": "\(name)", "error": "\(error)"])
            }
        }
        let location = "\(endpoint.storageURL)/\(container)/\(objectName)"
        logger.info(
            "backup stored",
            metadata: [
                "location": "\(location)", "bytes": "\(result.size)", "segments": "\(result.segments.count)",
                "checksum": "\(checksum)",
            ])
        return StoredBackup(location: location, checksum: checksum, size: result.size, segments: segments)
    }

    /// Trove's single-segment case: `PUT <object>` with `X-Copy-From: <container>/<segment>` and the metadata.
    private func copySegment(
        _ segment: StoredSegment, to objectName: String, metadataHeaders: HTTPHeaders, retry: RetryLoop,
        abort: TransferAbortSignal
    ) throws {
        var headers = metadataHeaders
        headers.set(
            "X-Copy-From",
            SwiftConnection.encodePathPart(container) + "/" + SwiftConnection.encodePathPart(segment.name))
        try retry.run(object: objectName) { _ in
            let response = try connection.perform(
                .put, container: container, object: objectName, headers: headers, operation: "PUT copy",
                abort: abort)
            try connection.check(response, accepted: [201], operation: "PUT copy", container: container, object: objectName)
        }
    }

    /// The SLO manifest: `PUT <object>?multipart-manifest=put` with the segment list and the metadata.
    private func putManifest(
        _ objectName: String, segments: [StoredSegment], checksum: String, metadataHeaders: HTTPHeaders,
        retry: RetryLoop, abort: TransferAbortSignal
    ) throws {
        let entries = segments.map { ManifestEntry(container: container, segment: $0) }
        let body = Array(try JSONEncoder().encode(entries))
        var headers = metadataHeaders
        headers.set("Content-Type", "application/json")
        try retry.run(object: objectName) { _ in
            let response = try connection.perform(
                .put, container: container, object: objectName, query: "multipart-manifest=put", headers: headers,
                body: .bytes(body), operation: "PUT manifest", abort: abort)
            try connection.check(
                response, accepted: [201], operation: "PUT manifest", container: container, object: objectName)
            let etag = ObjectNaming.normalizedETag(response.headers["Etag"] ?? "")
            guard etag == checksum else {
                throw ObjectStorageError.checksumMismatch(
                    object: SwiftConnection.displayName(container, objectName), expected: checksum, actual: etag)
            }
        }
    }

    // MARK: - Load

    public func load(
        location: String,
        expectedChecksum: String?,
        into sink: any ByteSink,
        progress: @escaping @Sendable (StorageEvent) -> Void
    ) async throws -> Int64 {
        let (container, object) = try Self.parse(location: location)
        return try await runBlocking(name: "swift-load") { [self] abort in
            let retry = RetryLoop(policy: configuration.retry, progress: progress, abort: abort)
            let stored = try retry.run(object: object) { _ in try head(container, object, abort: abort) }
            let checksum = try verifiedChecksum(stored, container: container, object: object, expected: expectedChecksum)
            let segments = try segmentList(
                stored, container: container, object: object, checksum: checksum, retry: retry, abort: abort)
            let download = SegmentedDownload(
                segments: segments, reader: SwiftSegmentReader(connection: connection), configuration: configuration,
                spoolDirectory: configuration.spoolDirectory ?? FileManager.default.temporaryDirectory.path,
                abort: abort, progress: progress, logger: logger)
            let bytes = try download.run(into: sink)
            logger.info(
                "backup loaded",
                metadata: ["location": "\(location)", "bytes": "\(bytes)", "segments": "\(segments.count)"])
            return bytes
        }
    }

    /// The stored checksum, compared with `expected` when verification is on.
    private func verifiedChecksum(
        _ stored: HTTPResponse, container: String, object: String, expected: String?
    ) throws(ObjectStorageError) -> String {
        let checksum = ObjectNaming.normalizedETag(stored.headers["Etag"] ?? "")
        if configuration.verifyChecksumOnLoad, let expected, ObjectNaming.normalizedETag(expected) != checksum {
            throw .checksumMismatch(
                object: SwiftConnection.displayName(container, object), expected: expected, actual: checksum)
        }
        return checksum
    }

    /// The segments to fetch: an SLO's manifest, a DLO's listing, or the plain object itself; for a manifest, its
    /// MD5-of-MD5s must equal the object's checksum.
    private func segmentList(
        _ stored: HTTPResponse, container: String, object: String, checksum: String, retry: RetryLoop,
        abort: TransferAbortSignal
    ) throws -> [SegmentReference] {
        let display = SwiftConnection.displayName(container, object)
        let segments: [SegmentReference]
        if stored.headers["X-Static-Large-Object"]?.lowercased() == "true" {
            let manifest = try retry.run(object: object) { _ in
                let response = try connection.perform(
                    .get, container: container, object: object, query: "multipart-manifest=get",
                    operation: "GET manifest", abort: abort)
                try connection.check(
                    response, accepted: [200], operation: "GET manifest", container: container, object: object)
                return response
            }
            segments = try ManifestEntry.decodeList(manifest.body, manifest: display).map {
                entry throws(ObjectStorageError) in try entry.reference(manifest: display)
            }
        } else if let dlo = stored.headers["X-Object-Manifest"] {
            let value = PercentEncoding.decode(dlo)
            guard let slash = value.firstIndex(of: "/"), slash != value.startIndex else {
                throw ObjectStorageError.invalidManifest(object: display, reason: "X-Object-Manifest \(dlo) is not container/prefix")
            }
            let segmentContainer = String(value[..<slash])
            let prefix = String(value[value.index(after: slash)...])
            if let problem = ObjectNaming.componentProblem(segmentContainer) {
                throw ObjectStorageError.invalidManifest(
                    object: display,
                    reason: "X-Object-Manifest \(dlo) names a container that is \(problem): segments must stay in "
                        + "the backup's account")
            }
            let listed = try retry.run(object: object) { _ in
                try connection.listObjects(container: segmentContainer, prefix: prefix, abort: abort)
            }
            segments = try listed.map { entry throws(ObjectStorageError) in
                try ManifestEntry(path: "/\(segmentContainer)/\(entry.name)", etag: entry.hash, sizeBytes: entry.bytes)
                    .reference(manifest: display)
            }
        } else {
            let size = stored.headers["Content-Length"].flatMap { Int64($0) }
            return [
                SegmentReference(
                    container: container, object: object, md5: ObjectNaming.isMD5(checksum) ? checksum : nil,
                    size: size)
            ]
        }
        guard !segments.isEmpty else { throw ObjectStorageError.invalidManifest(object: display, reason: "no segments") }
        let md5s = segments.compactMap(\.md5)
        guard md5s.count == segments.count else {
            throw ObjectStorageError.invalidManifest(object: display, reason: "a segment has no MD5")
        }
        let listed = try ObjectNaming.manifestETag(segmentMD5s: md5s)
        guard listed == checksum else {
            throw ObjectStorageError.checksumMismatch(object: "\(display) (segment list)", expected: checksum, actual: listed)
        }
        return segments
    }

    // MARK: - Info

    public func info(location: String, expectedChecksum: String?) async throws -> StoredObjectInfo {
        let (container, object) = try Self.parse(location: location)
        return try await runBlocking(name: "swift-info") { [self] abort in
            let retry = RetryLoop(policy: configuration.retry, progress: { _ in }, abort: abort)
            let stored = try retry.run(object: object) { _ in try head(container, object, abort: abort) }
            let checksum = try verifiedChecksum(stored, container: container, object: object, expected: expectedChecksum)
            return Self.storedInfo(stored, checksum: checksum)
        }
    }

    // MARK: - Helpers

    /// Creates the container when it is missing (an existing one is fine).
    func createContainer(retry: RetryLoop, abort: TransferAbortSignal) throws {
        try retry.run(object: container) { _ in
            let response = try connection.perform(.put, container: container, operation: "PUT container", abort: abort)
            try connection.check(
                response, accepted: [201, 202, 204], operation: "PUT container", container: container, object: nil)
        }
    }

    /// What a HEAD says about an object: `checksum`, its `Content-Length` and its `X-Object-Meta-*` headers (keys
    /// lower-cased with `-` turned into `_`, as Trove reads them).
    static func storedInfo(_ stored: HTTPResponse, checksum: String) -> StoredObjectInfo {
        var metadata: [String: String] = [:]
        for field in stored.headers.fields where field.name.lowercased().hasPrefix("x-object-meta-") {
            let key = field.name.dropFirst("x-object-meta-".count).lowercased()
            metadata[key.replacing("-", with: "_")] = field.value
        }
        let size = stored.headers["Content-Length"].flatMap { Int64($0) } ?? 0
        return StoredObjectInfo(checksum: checksum, size: size, metadata: metadata)
    }

    func head(_ container: String, _ object: String, abort: TransferAbortSignal) throws -> HTTPResponse {
        let response = try connection.perform(.head, container: container, object: object, operation: "HEAD", abort: abort)
        try connection.check(response, accepted: [200, 204], operation: "HEAD", container: container, object: object)
        return response
    }

    /// Trove's reading of a location: the container and object are its last two path components, in this
    /// storage's account. Neither may be empty, `.` or `..`, even percent-encoded: with dot segments removed (as
    /// curl removes them) `<account>/../AUTH_other` is another account, reached with the caller's token.
    static func parse(location: String) throws(ObjectStorageError) -> (container: String, object: String) {
        let path = location.split(separator: "?", maxSplits: 1).first.map(String.init) ?? location
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3 else {
            throw .invalidLocation(location, reason: "expected <storage URL>/<container>/<object>")
        }
        let (container, object) = (String(parts[parts.count - 2]), String(parts[parts.count - 1]))
        for (what, part) in [("container", container), ("object", object)] {
            if let problem = ObjectNaming.componentProblem(part) {
                throw .invalidLocation(
                    location,
                    reason: "its \(what) is \(problem): a location names an object in a container of this account")
            }
        }
        return (container, object)
    }
}
