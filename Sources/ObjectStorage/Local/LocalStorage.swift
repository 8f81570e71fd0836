import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport
import Logging

/// Backups in a local directory (Trove's `backup_local_path`): the same segments, manifest and checksums as
/// ``SwiftStorage``, as files.
///
/// A backup `<id>.gz.enc` becomes `<directory>/<container>/<id>_00000000`, ... and a JSON manifest
/// `<directory>/<container>/<id>.gz.enc` listing them (``LocalManifest``; written even for one segment). Every
/// file is written under a hidden temporary name, fsynced and renamed into place, the manifest last: a backup
/// is either complete or absent, and a crash leaves only `.…partial-…` files that
/// ``deletePartialUpload(objectName:)`` removes. Locations are `file://` URLs of the manifest.
///
/// Nothing outside the directory is ever read or removed, whatever a location or a manifest says: a location must
/// be `file://<directory>/<container>/<object>`, a manifest's segments `/<container>/<object>` of this store, each
/// name one component (not `.` or `..`), and no symbolic link is followed below the directory (``LocalStoreFiles``).
public final class LocalStorage: BackupStorage {
    /// The root directory.
    public let directory: String
    public let configuration: StorageConfiguration
    let logger: Logger

    /// - Parameter directory: an absolute path; created on first save if missing.
    /// - Throws: ``ObjectStorageError/invalidConfiguration(_:)``.
    public init(directory: String, configuration: StorageConfiguration = StorageConfiguration(), logger: Logger)
        throws(ObjectStorageError)
    {
        try configuration.validate()
        guard directory.hasPrefix("/") else {
            throw .invalidConfiguration("backup_local_path must be absolute, got \(directory.debugDescription)")
        }
        var path = directory
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        self.directory = path
        self.configuration = configuration
        self.logger = logger
    }

    private var containerDirectory: String { directory + "/" + configuration.container }
    private var files: LocalStoreFiles { LocalStoreFiles(root: directory) }

    public func save(
        objectName: String,
        from source: any ByteSource,
        metadata: BackupMetadata,
        progress: @escaping @Sendable (StorageEvent) -> Void
    ) async throws -> StoredBackup {
        _ = try configuration.metadata(for: objectName, adding: metadata.known)
        return try await runBlocking(name: "local-save") { [self] abort in
            let folder = containerDirectory
            try Self.makeDirectories(folder)
            let upload = SegmentedUpload(
                objectName: objectName, writer: LocalSegmentWriter(directory: folder), configuration: configuration,
                abort: abort, progress: progress, logger: logger)
            let result = try upload.run(source: source)
            let checksum = try ObjectNaming.checksum(segmentMD5s: result.segments.map(\.md5))
            let manifestPath = folder + "/" + objectName
            do {
                let allMetadata = try configuration.metadata(for: objectName, adding: metadata.resolved())
                let manifest = LocalManifest(
                    object: objectName, checksum: checksum, sizeBytes: result.size, metadata: allMetadata,
                    segments: result.segments.map { ManifestEntry(container: configuration.container, segment: $0) })
                try Self.writeDurably(try manifest.encoded(), named: objectName, in: folder)
            } catch {
                throw upload.abandon(cause: error, extraObjects: [objectName])
            }
            let location = URL(fileURLWithPath: manifestPath).absoluteString
            logger.info(
                "backup stored",
                metadata: [
                    "location": "\(location)", "bytes": "\(result.size)", "segments": "\(result.segments.count)",
                ])
            return StoredBackup(location: location, checksum: checksum, size: result.size, segments: result.segments)
        }
    }

    public func load(
        location: String,
        expectedChecksum: String?,
        into sink: any ByteSink,
        progress: @escaping @Sendable (StorageEvent) -> Void
    ) async throws -> Int64 {
        let (container, name) = try manifestName(of: location)
        let path = directory + "/" + container + "/" + name
        return try await runBlocking(name: "local-load") { [self] abort in
            let manifest = try verifiedManifest(location, container, name, expected: expectedChecksum)
            let segments = try manifest.segments.map { entry throws(ObjectStorageError) in
                try entry.reference(manifest: path)
            }
            guard segments.count == manifest.segments.count, !segments.isEmpty,
                segments.allSatisfy({ $0.md5 != nil })
            else {
                throw ObjectStorageError.invalidManifest(object: path, reason: "segments without MD5")
            }
            let listed = try ObjectNaming.checksum(segmentMD5s: segments.compactMap(\.md5))
            guard listed == manifest.checksum else {
                throw ObjectStorageError.checksumMismatch(
                    object: "\(path) (segment list)", expected: manifest.checksum, actual: listed)
            }
            let download = SegmentedDownload(
                segments: segments,
                reader: LocalSegmentReader(files: files, manifest: path, chunkSize: configuration.chunkSize),
                configuration: configuration,
                spoolDirectory: configuration.spoolDirectory ?? FileManager.default.temporaryDirectory.path,
                abort: abort, progress: progress, logger: logger)
            return try download.run(into: sink)
        }
    }

    public func info(location: String, expectedChecksum: String?) async throws -> StoredObjectInfo {
        let (container, name) = try manifestName(of: location)
        return try await runBlocking(name: "local-info") { [self] abort in
            let manifest = try verifiedManifest(location, container, name, expected: expectedChecksum)
            return StoredObjectInfo(checksum: manifest.checksum, size: manifest.sizeBytes, metadata: manifest.metadata)
        }
    }

    public func delete(location: String) async throws {
        let (container, name) = try manifestName(of: location)
        let path = directory + "/" + container + "/" + name
        try await runBlocking(name: "local-delete") { [files] _ in
            let refuse = { (reason: String) in ObjectStorageError.invalidManifest(object: path, reason: reason) }
            let manifest = try LocalManifest.read(
                from: files.openForReading(container: container, name: name) { .invalidLocation(location, reason: $0) })
            // Every segment checked before anything is removed: a manifest naming anything but the store's own
            // files deletes nothing.
            let segments = try manifest.segments.map { entry throws(ObjectStorageError) in
                let segment = try entry.reference(manifest: path)
                try files.checkRemovable(container: segment.container, name: segment.object, refusing: refuse)
                return segment
            }
            // The manifest first, so that a half-deleted backup is never readable as a whole one.
            try files.remove(container: container, name: name, refusing: refuse)
            for segment in segments {
                try files.remove(container: segment.container, name: segment.object, refusing: refuse)
            }
        }
    }

    public func deletePartialUpload(objectName: String) async throws -> [String] {
        try ObjectNaming.validateObjectName(objectName)
        return try await runBlocking(name: "local-cleanup") { [self] abort in
            let folder = containerDirectory
            let base = ObjectNaming.baseName(of: objectName)
            guard let names = try Self.listDirectory(folder) else { return [] }
            let doomed = names.filter { name in
                name == objectName || ObjectNaming.isSegment(name, ofBase: base)
                    || (name.hasPrefix(".") && name.contains(".partial-")
                        && (ObjectNaming.isSegment(Self.partialTarget(name), ofBase: base)
                            || Self.partialTarget(name) == objectName))
            }.sorted()
            for name in doomed { try Self.removeFile(folder + "/" + name) }
            if !doomed.isEmpty { try Self.syncDirectory(folder) }
            logger.info("partial upload removed", metadata: ["object": "\(objectName)", "deleted": "\(doomed.count)"])
            return doomed
        }
    }

    // MARK: - Files

    /// The manifest `<directory>/<container>/<name>` of `location`, its checksum compared with `expected` when
    /// verification is on.
    private func verifiedManifest(
        _ location: String, _ container: String, _ name: String, expected: String?
    ) throws -> LocalManifest {
        let path = directory + "/" + container + "/" + name
        let manifest = try LocalManifest.read(
            from: files.openForReading(container: container, name: name) { .invalidLocation(location, reason: $0) })
        if configuration.verifyChecksumOnLoad, let expected,
            ObjectNaming.normalizedETag(expected) != manifest.checksum
        {
            throw ObjectStorageError.checksumMismatch(object: path, expected: expected, actual: manifest.checksum)
        }
        return manifest
    }

    /// `.<name>.partial-<random>`: where `name` is written before it is renamed into place.
    static func temporaryPath(in directory: String, for name: String) -> String {
        directory + "/." + name + ".partial-" + UUID().uuidString.prefix(8)
    }

    /// The final name a temporary file was meant for.
    private static func partialTarget(_ temporaryName: String) -> String {
        guard let range = temporaryName.lastRange(of: ".partial-") else { return "" }
        return String(temporaryName[temporaryName.index(after: temporaryName.startIndex)..<range.lowerBound])
    }

    /// Replaces `name` in `directory` atomically and durably (the agent's one crash-safe write).
    static func writeDurably(_ bytes: [UInt8], named name: String, in directory: String) throws(ObjectStorageError) {
        do throws(PathFailure) {
            try DirectoryHandle.open(directory).replaceFile(name, contents: bytes, mode: 0o640, uid: nil, gid: nil)
        } catch {
            throw .localFile(path: error.path, operation: error.operation, errno: error.code)
        }
    }

    /// `mkdir -p`, mode 0750.
    static func makeDirectories(_ path: String) throws(ObjectStorageError) {
        do throws(PathFailure) { _ = try DirectoryHandle.open(path, creatingMissing: 0o750) } catch {
            throw .localFile(path: error.path, operation: error.operation, errno: error.code)
        }
    }

    /// The names in a directory (without `.` and `..`), or `nil` when it does not exist.
    static func listDirectory(_ path: String) throws(ObjectStorageError) -> [String]? {
        guard let stream = opendir(path) else {
            if errno == ENOENT { return nil }
            throw .localFile(path: path, operation: "opendir", errno: errno)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file; a missing one is fine.
    static func removeFile(_ path: String) throws(ObjectStorageError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .localFile(path: path, operation: "unlink", errno: errno) }
    }

    /// Makes renames in `directory` durable.
    static func syncDirectory(_ directory: String) throws(ObjectStorageError) {
        do throws(PathFailure) { try DirectoryHandle.open(directory).sync() } catch {
            throw .localFile(path: error.path, operation: error.operation, errno: error.code)
        }
    }

    /// The container and name of the manifest a `file://` location names: it must be
    /// `file://<directory>/<container>/<object>`, in this store, each name one component.
    func manifestName(of location: String) throws(ObjectStorageError) -> (container: String, name: String) {
        guard let url = URL(string: location), url.isFileURL else {
            throw .invalidLocation(location, reason: "expected a file:// URL")
        }
        let parts = url.path.split(separator: "/").map(String.init)
        let root = directory.split(separator: "/").map(String.init)
        guard parts.count == root.count + 2, Array(parts.prefix(root.count)) == root else {
            throw .invalidLocation(
                location,
                reason: "expected file://\(directory)/<container>/<object>: a backup of this store, not a file outside it")
        }
        for part in parts.suffix(2) {
            if let problem = ObjectNaming.componentProblem(part) {
                throw .invalidLocation(location, reason: "a name in it is \(problem), which could lead out of the store")
            }
        }
        return (parts[root.count], parts[root.count + 1])
    }
}
