import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport
import Logging

/// Requests to one Swift account: builds URLs, adds the token, maps transport failures and error statuses to
/// ``ObjectStorageError``. Blocking; used from storage threads.
struct SwiftConnection: Sendable {
    let endpoint: SwiftEndpoint
    let client: HTTPClient
    let timeouts: HTTPTimeouts

    /// `<storage URL>/<container>[/<object>][?query]`, path parts percent-encoded.
    func url(container: String, object: String? = nil, query: String? = nil) -> String {
        var url = endpoint.storageURL + "/" + Self.encodePathPart(container)
        if let object { url += "/" + Self.encodePathPart(object) }
        if let query { url += "?" + query }
        return url
    }

    /// Sends one request (with the token) and returns the response whatever its status.
    ///
    /// - Parameters:
    ///   - operation: what is being done, for errors (`PUT segment`).
    ///   - responseBody: as in ``HTTPClient/perform(_:abort:responseBody:)``.
    /// - Throws: ``ObjectStorageError/transport(operation:object:_:)``, or what the body reader/consumer threw.
    func perform(
        _ method: HTTPRequest.Method,
        container: String,
        object: String? = nil,
        query: String? = nil,
        headers extraHeaders: HTTPHeaders = [:],
        body: HTTPRequestBody = .none,
        operation: String,
        abort: TransferAbortSignal? = nil,
        responseBody: (HTTPResponseHead) -> ((UnsafeRawBufferPointer) throws -> Void)? = { _ in nil }
    ) throws -> HTTPResponse {
        var headers = extraHeaders
        headers.set("X-Auth-Token", endpoint.token.revealed)
        let request = HTTPRequest(
            method, url: url(container: container, object: object, query: query), headers: headers, body: body,
            timeouts: timeouts)
        do {
            return try client.perform(request, abort: abort, responseBody: responseBody)
        } catch let error as HTTPTransportError {
            throw ObjectStorageError.transport(
                operation: operation, object: Self.displayName(container, object), error)
        }
    }

    /// Throws the typed error for `response` unless its status is one of `accepted`.
    func check(
        _ response: HTTPResponse, accepted: Set<Int>, operation: String, container: String, object: String?
    ) throws(ObjectStorageError) {
        guard !accepted.contains(response.status) else { return }
        throw .http(
            SwiftFailure(
                status: response.status, operation: operation, object: Self.displayName(container, object),
                message: SwiftFailure.message(fromBody: response.body),
                transactionID: response.headers["X-Trans-Id"]))
    }

    /// Deletes one object; returns false when it did not exist.
    @discardableResult
    func deleteObject(container: String, object: String, abort: TransferAbortSignal?) throws -> Bool {
        let response = try perform(.delete, container: container, object: object, operation: "DELETE", abort: abort)
        try check(response, accepted: [200, 204, 404], operation: "DELETE", container: container, object: object)
        return response.status != 404
    }

    /// Lists the objects of `container` whose names start with `prefix` (all pages).
    func listObjects(container: String, prefix: String, abort: TransferAbortSignal?) throws -> [ListedObject] {
        var all: [ListedObject] = []
        var marker: String?
        while true {
            var query = "format=json&prefix=" + Self.encodeQueryValue(prefix)
            if let marker { query += "&marker=" + Self.encodeQueryValue(marker) }
            let response = try perform(.get, container: container, query: query, operation: "GET listing", abort: abort)
            try check(response, accepted: [200, 204], operation: "GET listing", container: container, object: nil)
            if response.status == 204 || response.body.isEmpty { return all }
            let page: [ListedObject]
            do {
                page = try JSONDecoder().decode([ListedObject].self, from: Data(response.body))
            } catch {
                throw ObjectStorageError.invalidManifest(
                    object: container, reason: "container listing is not JSON: \(error)")
            }
            if page.isEmpty { return all }
            all += page
            marker = page.last?.name
        }
    }

    /// An object in a container listing.
    struct ListedObject: Decodable, Sendable {
        let name: String
        let hash: String?
        let bytes: Int64?
    }

    static func displayName(_ container: String, _ object: String?) -> String {
        object.map { "\(container)/\($0)" } ?? container
    }

    /// Percent-encodes one path segment (a container or object name; `/` included).
    static func encodePathPart(_ part: String) -> String { PercentEncoding.encodeComponent(part) }

    static func encodeQueryValue(_ value: String) -> String { PercentEncoding.encodeComponent(value) }
}
