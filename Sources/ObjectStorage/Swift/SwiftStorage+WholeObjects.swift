import AgentSupport
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport
import Logging

/// Whole objects in Swift: one plain object per name, in ``StorageConfiguration/container``, its name the path's
/// components joined by `/` (Swift's pseudo-directories). A PUT carries the file's MD5 as `ETag`, so Swift refuses
/// altered bytes (422, retried); a GET's bytes are hashed as they arrive and must match the ETag. Swift itself
/// answers 404 for an object past its `X-Delete-At`.
extension SwiftStorage: WholeObjectStore {
    public func put(_ name: ObjectPath, fromFile file: String, metadata: [String: String], deleteAt: Date?)
        async throws -> String
    {
        var headers: HTTPHeaders = [:]
        for (key, value) in try WholeObjectRules.checked(metadata).sorted(by: { $0.key < $1.key }) {
            headers.set(ObjectNaming.metadataHeader(key), value)
        }
        if let expiry = try WholeObjectRules.expiry(deleteAt) { headers.set("X-Delete-At", String(expiry)) }
        let object = name.description
        return try await runBlocking(name: "swift-put") { [self, headers] abort in
            let source = try OpenFile.openRegularFile(at: file)
            let (md5, size) = try source.md5AndSize(chunkSize: configuration.chunkSize)
            let retry = RetryLoop(policy: configuration.retry, progress: { _ in }, abort: abort)
            try createContainer(retry: retry, abort: abort)
            var request = headers
            request.set("ETag", md5)
            try retry.run(object: object) { _ in
                let reader = FileBodyReader(source, length: size)
                let response = try connection.perform(
                    .put, container: container, object: object, headers: request,
                    body: .stream(length: size) { try reader.read(into: $0) }, operation: "PUT object", abort: abort)
                try connection.check(response, accepted: [201], operation: "PUT object", container: container, object: object)
                let etag = ObjectNaming.normalizedETag(response.headers["Etag"] ?? "")
                guard etag == md5 else {
                    throw ObjectStorageError.checksumMismatch(
                        object: SwiftConnection.displayName(container, object), expected: md5, actual: etag)
                }
            }
            logger.debug("object stored", metadata: ["object": "\(object)", "bytes": "\(size)", "md5": "\(md5)"])
            return md5
        }
    }

    public func head(_ name: ObjectPath) async throws -> StoredObjectInfo? {
        let object = name.description
        return try await runBlocking(name: "swift-head") { [self] abort in
            let retry = RetryLoop(policy: configuration.retry, progress: { _ in }, abort: abort)
            let response = try retry.run(object: object) { _ in
                try connection.perform(.head, container: container, object: object, operation: "HEAD", abort: abort)
            }
            if response.status == 404 { return nil }
            try connection.check(response, accepted: [200, 204], operation: "HEAD", container: container, object: object)
            return Self.storedInfo(response, checksum: ObjectNaming.normalizedETag(response.headers["Etag"] ?? ""))
        }
    }

    public func list(under prefix: ObjectPath) async throws -> [ObjectPath] {
        let listed = prefix.description + "/"
        return try await runBlocking(name: "swift-list") { [self] abort in
            let retry = RetryLoop(policy: configuration.retry, progress: { _ in }, abort: abort)
            do {
                let names = try retry.run(object: container) { _ in
                    try connection.listObjects(container: container, prefix: listed, abort: abort).map(\.name)
                }
                return names.compactMap(ObjectPath.parsing).sorted()
            } catch ObjectStorageError.notFound {
                return []
            }
        }
    }

    public func get(_ name: ObjectPath, toFile file: String) async throws -> Int64 {
        let object = name.description
        let display = SwiftConnection.displayName(container, object)
        return try await runBlocking(name: "swift-get") { [self] abort in
            let destination = try OpenFile.createNew(at: file)
            do {
                let retry = RetryLoop(policy: configuration.retry, progress: { _ in }, abort: abort)
                let size = try retry.run(object: object) { _ in
                    try fetch(object, display: display, into: destination, abort: abort)
                }
                try destination.sync()
                return size
            } catch {
                try? LocalStorage.removeFile(file)
                throw error
            }
        }
    }

    /// One GET of `object` into `destination` (emptied first), hashed as it arrives; returns its length.
    private func fetch(_ object: String, display: String, into destination: OpenFile, abort: TransferAbortSignal)
        throws -> Int64
    {
        try destination.truncate()
        let hasher = try ObjectNaming.makeHasher()
        var written: Int64 = 0
        let response = try connection.perform(.get, container: container, object: object, operation: "GET", abort: abort) {
            head in
            guard head.status == 200 else { return nil }
            return { bytes in
                try destination.write(bytes, at: written)
                hasher.update(bytes)
                written += Int64(bytes.count)
            }
        }
        try connection.check(response, accepted: [200], operation: "GET", container: container, object: object)
        let expected = ObjectNaming.normalizedETag(response.headers["Etag"] ?? "")
        let actual = hasher.finalizeHex()
        guard actual == expected else {
            throw ObjectStorageError.checksumMismatch(object: display, expected: expected, actual: actual)
        }
        if let length = response.headers["Content-Length"].flatMap({ Int64($0) }), length != written {
            throw ObjectStorageError.segmentSizeMismatch(segment: display, expected: length, actual: written)
        }
        return written
    }

    public func delete(_ name: ObjectPath) async throws {
        let object = name.description
        try await runBlocking(name: "swift-delete") { [self] abort in
            let retry = RetryLoop(policy: configuration.retry, progress: { _ in }, abort: abort)
            try retry.run(object: object) { _ in
                try connection.deleteObject(container: container, object: object, abort: abort)
            }
        }
    }
}
