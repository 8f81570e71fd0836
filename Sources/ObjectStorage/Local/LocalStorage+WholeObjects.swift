import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// Whole objects in a local directory: `<directory>/<container>/<c1>/…/<name>`, the directories created as
/// needed, each object's MD5, metadata and expiry in a record `.<name>.meta` beside it (``LocalObjectRecord``).
///
/// Everything is reached through ``AgentSupport/DirectoryHandle`` one component at a time from the container:
/// a symbolic link planted anywhere below the store is never followed (the operation fails, naming it). An object
/// is written under a hidden temporary name, synced and renamed into place, then its record is written the same
/// way: a crash leaves the old object, no object, or the new one, never a torn one. Expired objects are gone for
/// ``head(_:)``, ``list(under:)`` and ``get(_:toFile:)``; their files stay until deleted.
extension LocalStorage: WholeObjectStore {
    public func put(_ name: ObjectPath, fromFile file: String, metadata: [String: String], deleteAt: Date?)
        async throws -> String
    {
        // Keys as Swift gives them back (lower case, `-` as `_`), so that both stores answer alike.
        let metadata = Dictionary(
            try WholeObjectRules.checked(metadata).map { ($0.key.lowercased().replacing("-", with: "_"), $0.value) }
        ) { _, last in last }
        let expiry = try WholeObjectRules.expiry(deleteAt)
        return try await runBlocking(name: "local-put") { [self] _ in
            let source = try OpenFile.openRegularFile(at: file)
            guard let parent = try parentDirectory(of: name, creating: true) else {
                throw ObjectStorageError.localFile(path: objectPath(name), operation: "create", errno: ENOENT)
            }
            let last = name.lastComponent
            let recordName = LocalObjectRecord.fileName(for: last)
            let temporary = "." + last + ".partial-" + RandomIdentifier.hex128().prefix(12)
            let (md5, size) = try copy(source, into: parent, temporary: temporary, object: name)
            try pathCall(objectPath(name)) { () throws(PathFailure) in
                // The old record goes first, so that the old record never describes the new bytes.
                try parent.removeFile(recordName)
                try parent.sync()
            }
            guard renameat(parent.descriptor, temporary, parent.descriptor, last) == 0 else {
                let code = errno
                unlinkat(parent.descriptor, temporary, 0)
                throw ObjectStorageError.localFile(path: objectPath(name), operation: "rename", errno: code)
            }
            let record = LocalObjectRecord(
                object: name.description, checksum: md5, sizeBytes: size, metadata: metadata, deleteAt: expiry)
            let encoded = try record.encoded()
            try pathCall(objectPath(name)) { () throws(PathFailure) in
                try parent.replaceFile(recordName, contents: encoded, mode: 0o640, uid: nil, gid: nil)
            }
            logger.debug("object stored", metadata: ["object": "\(name)", "bytes": "\(size)", "md5": "\(md5)"])
            return md5
        }
    }

    public func head(_ name: ObjectPath) async throws -> StoredObjectInfo? {
        try await runBlocking(name: "local-head") { [self] _ in
            guard let (_, record) = try lookUp(name) else { return nil }
            return StoredObjectInfo(checksum: record.checksum, size: record.sizeBytes, metadata: record.metadata)
        }
    }

    public func list(under prefix: ObjectPath) async throws -> [ObjectPath] {
        try await runBlocking(name: "local-list") { [self] _ in
            guard let start = try directory(at: prefix.components, creating: false) else { return [] }
            var found: [ObjectPath] = []
            try collect(in: start, at: prefix.components, into: &found)
            return found.sorted()
        }
    }

    public func get(_ name: ObjectPath, toFile file: String) async throws -> Int64 {
        try await runBlocking(name: "local-get") { [self] _ in
            guard let (parent, record) = try lookUp(name) else {
                throw ObjectStorageError.localFile(path: objectPath(name), operation: "open", errno: ENOENT)
            }
            let descriptor = SystemCalls.retryingInterrupted {
                openat(parent.descriptor, name.lastComponent, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            }
            guard descriptor >= 0 else {
                throw ObjectStorageError.localFile(path: objectPath(name), operation: "open", errno: errno)
            }
            let source = OpenFile(descriptor: descriptor, path: objectPath(name))
            let destination = try OpenFile.createNew(at: file)
            do {
                let (actual, size) = try source.copyHashing(to: destination, chunkSize: configuration.chunkSize)
                guard actual == record.checksum else {
                    throw ObjectStorageError.checksumMismatch(
                        object: objectPath(name), expected: record.checksum, actual: actual)
                }
                guard size == record.sizeBytes else {
                    throw ObjectStorageError.segmentSizeMismatch(
                        segment: objectPath(name), expected: record.sizeBytes, actual: size)
                }
                try destination.sync()
                return size
            } catch {
                try? Self.removeFile(file)
                throw error
            }
        }
    }

    public func delete(_ name: ObjectPath) async throws {
        try await runBlocking(name: "local-delete") { [self] _ in
            guard let parent = try parentDirectory(of: name, creating: false) else { return }
            let last = name.lastComponent
            try pathCall(objectPath(name)) { () throws(PathFailure) in
                // The record first: without it the object no longer exists, whatever happens next.
                try parent.removeFile(LocalObjectRecord.fileName(for: last))
                if let info = try parent.status(of: last), info.st_mode & S_IFMT != S_IFDIR {
                    try parent.removeFile(last)
                }
                try parent.sync()
            }
        }
    }

    // MARK: - Files

    /// `<directory>/<container>/<name>`, for messages.
    private func objectPath(_ name: ObjectPath) -> String {
        directory + "/" + configuration.container + "/" + name.description
    }

    /// The directory `<container>/<components…>`, each level opened without following a link (created with mode
    /// 0750 when `creating`); `nil` when a level is missing or is not a directory (and not `creating`).
    private func directory(at components: [String], creating: Bool) throws(ObjectStorageError) -> DirectoryHandle? {
        do throws(PathFailure) {
            var current = try DirectoryHandle.open(directory, creatingMissing: creating ? 0o750 : nil)
            for component in [configuration.container] + components {
                current = try creating ? current.makeDirectory(component, mode: 0o750) : current.openDirectory(component)
            }
            return current
        } catch where !creating && (error.code == ENOENT || error.code == ENOTDIR) {
            return nil
        } catch {
            throw .localFile(path: error.path, operation: error.operation, errno: error.code)
        }
    }

    /// The directory that holds `name`.
    private func parentDirectory(of name: ObjectPath, creating: Bool) throws(ObjectStorageError) -> DirectoryHandle? {
        try directory(at: Array(name.components.dropLast()), creating: creating)
    }

    /// The object's directory and record, or `nil` when it does not exist or has expired.
    private func lookUp(_ name: ObjectPath) throws(ObjectStorageError) -> (DirectoryHandle, LocalObjectRecord)? {
        guard let parent = try parentDirectory(of: name, creating: false),
            let record = try record(of: name.lastComponent, in: parent, path: objectPath(name))
        else { return nil }
        return (parent, record)
    }

    /// The record of the object file `name` in `parent`, or `nil` when there is no such object (no record, no
    /// regular file, or expired).
    private func record(of name: String, in parent: DirectoryHandle, path: String) throws(ObjectStorageError)
        -> LocalObjectRecord?
    {
        let bytes = try pathCall(path) { () throws(PathFailure) in
            try parent.readFile(LocalObjectRecord.fileName(for: name), limit: LocalObjectRecord.maximumBytes)
        }
        guard let bytes else { return nil }
        let record = try LocalObjectRecord.decode(bytes, path: path)
        guard !WholeObjectRules.hasExpired(record.deleteAt) else { return nil }
        guard let info = try pathCall(path, { () throws(PathFailure) in try parent.status(of: name) }) else { return nil }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .invalidManifest(object: path, reason: "the object is not a regular file of the store")
        }
        return record
    }

    /// Adds the objects in `directory` (at `components` below the container) and below it to `found`.
    private func collect(in directory: DirectoryHandle, at components: [String], into found: inout [ObjectPath])
        throws(ObjectStorageError)
    {
        let path = self.directory + "/" + ([configuration.container] + components).joined(separator: "/")
        for entry in try pathCall(path, { () throws(PathFailure) in try directory.entryNames() }) where !entry.hasPrefix(".") {
            guard let info = try pathCall(path, { () throws(PathFailure) in try directory.status(of: entry) }) else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                let child = try pathCall(path) { () throws(PathFailure) in try directory.openDirectory(entry) }
                try collect(in: child, at: components + [entry], into: &found)
            case S_IFREG:
                guard let object = try? ObjectPath(components + [entry]),
                    try record(of: entry, in: directory, path: path + "/" + entry) != nil
                else { continue }
                found.append(object)
            default:
                continue
            }
        }
    }

    /// Copies `source` into a new file `temporary` in `parent`, hashing it, and syncs it; removes it on failure.
    private func copy(_ source: OpenFile, into parent: DirectoryHandle, temporary: String, object: ObjectPath)
        throws -> (md5: String, size: Int64)
    {
        let descriptor = SystemCalls.retryingInterrupted {
            openat(parent.descriptor, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
        }
        guard descriptor >= 0 else {
            throw ObjectStorageError.localFile(path: parent.path + "/" + temporary, operation: "create", errno: errno)
        }
        let target = OpenFile(descriptor: descriptor, path: objectPath(object))
        do {
            let copied = try source.copyHashing(to: target, chunkSize: configuration.chunkSize)
            try target.sync()
            return copied
        } catch {
            unlinkat(parent.descriptor, temporary, 0)
            throw error
        }
    }

    /// Runs a ``AgentSupport/DirectoryHandle`` call, its ``AgentSupport/PathFailure`` as a local-file error.
    private func pathCall<T>(_ path: String, _ body: () throws(PathFailure) -> T) throws(ObjectStorageError) -> T {
        do throws(PathFailure) { return try body() } catch {
            throw .localFile(path: error.path, operation: error.operation, errno: error.code)
        }
    }
}
