import AgentSupport
import HTTPTransport
import Logging

/// Deleting from Swift: a whole backup (an SLO with its segments, a DLO manifest and its segments, or a plain
/// object), and what a failed upload left (its segments and manifest, found by listing).
extension SwiftStorage {
    public func delete(location: String) async throws {
        let (container, object) = try Self.parse(location: location)
        try await runBlocking(name: "swift-delete") { [self] abort in
            let retry = RetryLoop(policy: configuration.retry, progress: { _ in }, abort: abort)
            let stored = try retry.run(object: object) { _ in try head(container, object, abort: abort) }
            if stored.headers["X-Static-Large-Object"]?.lowercased() == "true" {
                try retry.run(object: object) { _ in try deleteSLO(container, object, abort: abort) }
                return
            }
            var dloSegments: [String] = []
            if let dlo = stored.headers["X-Object-Manifest"] {
                let value = PercentEncoding.decode(dlo)
                if let slash = value.firstIndex(of: "/"), String(value[..<slash]) == container {
                    let prefix = String(value[value.index(after: slash)...])
                    dloSegments = try retry.run(object: object) { _ in
                        try connection.listObjects(container: container, prefix: prefix, abort: abort).map(\.name)
                    }
                }
            }
            // The manifest first, so that a half-deleted backup is never readable as a whole one.
            for name in [object] + dloSegments {
                try retry.run(object: name) { _ in
                    try connection.deleteObject(container: container, object: name, abort: abort)
                }
            }
        }
    }

    public func deletePartialUpload(objectName: String) async throws -> [String] {
        try ObjectNaming.validateObjectName(objectName)
        return try await runBlocking(name: "swift-cleanup") { [self] abort in
            let retry = RetryLoop(policy: configuration.retry, progress: { _ in }, abort: abort)
            let base = ObjectNaming.baseName(of: objectName)
            let listed: [SwiftConnection.ListedObject]
            do {
                listed = try retry.run(object: container) { _ in
                    try connection.listObjects(container: container, prefix: base + "_", abort: abort)
                }
            } catch ObjectStorageError.notFound {
                return []  // no container, nothing to clean
            }
            var deleted: [String] = []
            for name in listed.map(\.name) where ObjectNaming.isSegment(name, ofBase: base) {
                if try retry.run(object: name, { _ in
                    try connection.deleteObject(container: container, object: name, abort: abort)
                }) {
                    deleted.append(name)
                }
            }
            let manifestDeleted = try retry.run(object: objectName) { _ in
                try connection.deleteObject(container: container, object: objectName, abort: abort)
            }
            if manifestDeleted { deleted.append(objectName) }
            logger.info("partial upload removed", metadata: ["object": "\(objectName)", "deleted": "\(deleted.count)"])
            return deleted
        }
    }

    /// `DELETE ?multipart-manifest=delete`: Swift answers 200 and reports the real outcome in the JSON body.
    func deleteSLO(_ container: String, _ object: String, abort: TransferAbortSignal) throws {
        let response = try connection.perform(
            .delete, container: container, object: object, query: "multipart-manifest=delete",
            headers: ["Accept": "application/json"], operation: "DELETE manifest", abort: abort)
        try connection.check(response, accepted: [200], operation: "DELETE manifest", container: container, object: object)
        let report = (try? JSONParser.parse(response.body)) ?? [:]
        let statusText = report["Response Status"]?.stringValue ?? ""
        let status = Int(statusText.prefix(3)) ?? 0
        let errors = report["Errors"]?.arrayValue ?? []
        guard (200..<300).contains(status), errors.isEmpty else {
            throw ObjectStorageError.http(
                SwiftFailure(
                    status: status == 0 ? 500 : status, operation: "DELETE manifest",
                    object: SwiftConnection.displayName(container, object),
                    message: "\(statusText) \(report["Response Body"]?.stringValue ?? "") errors: \(JSONWriter.string(.array(errors)))",
                    transactionID: response.headers["X-Trans-Id"]))
        }
    }
}
