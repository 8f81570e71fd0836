import AgentSupport
import FoundationEssentials
import HTTPTransport
import Logging

/// Gets a new token for an identity the agent holds itself (Trove's `[service_credentials]`), for the one job
/// that may outlive the request's token: deleting a failed backup's partial upload.
///
/// Two protocols, told apart by the URL: TempAuth/SwAuth (`.../auth/v1.0`, `GET` with `X-Auth-User` and
/// `X-Auth-Key`, the token in `X-Auth-Token`) and Keystone v3 password authentication (`POST <auth_url>/auth/tokens`
/// scoped to the project, the token in `X-Subject-Token`). Only the token is used: the account stays the one the
/// backup was written to. Neither the password nor the token is ever logged.
/// An identity of the agent's own, for ``SwiftAuthenticator``: Keystone v3 (`.../v3`) or TempAuth/SwAuth
/// (`.../auth/v1.0`, the user as `account:user`).
public struct SwiftCredentials: Sendable, Equatable {
    public var authURL: String
    public var username: String
    public var password: Secret<String>
    public var projectName: String?
    public var userDomainName: String
    public var projectDomainName: String

    public init(
        authURL: String, username: String, password: Secret<String>, projectName: String? = nil,
        userDomainName: String = "Default", projectDomainName: String = "Default"
    ) {
        var url = authURL
        while url.hasSuffix("/") { url.removeLast() }
        self.authURL = url
        self.username = username
        self.password = password
        self.projectName = projectName
        self.userDomainName = userDomainName
        self.projectDomainName = projectDomainName
    }
}

public struct SwiftAuthenticator: Sendable {
    public let credentials: SwiftCredentials
    private let client: HTTPClient

    public init(credentials: SwiftCredentials, logger: Logger) {
        self.credentials = credentials
        client = HTTPClient(logger: logger, maxIdleHandles: 1, maxBufferedBody: 4 * 1024 * 1024)
    }

    private var authURL: String { credentials.authURL }

    /// Whether the URL is a TempAuth/SwAuth one (`v1.0`), rather than Keystone v3.
    public var isTempAuth: Bool { authURL.hasSuffix("/v1.0") || authURL.hasSuffix("/auth/v1") }

    /// A new token.
    ///
    /// - Throws: ``ObjectStorageError`` (`.tokenRejected` when the credentials are refused, `.transport` when the
    ///   identity service cannot be reached).
    public func authenticate() async throws -> Secret<String> {
        let request: HTTPRequest
        let tokenHeader: String
        if isTempAuth {
            request = HTTPRequest(
                .get, url: authURL,
                headers: ["X-Auth-User": credentials.username, "X-Auth-Key": credentials.password.revealed])
            tokenHeader = "X-Auth-Token"
        } else {
            let base = authURL.hasSuffix("/v3") ? authURL : authURL + "/v3"
            let identity: [String: JSONValue] = [
                "methods": ["password"],
                "password": [
                    "user": [
                        "name": .string(credentials.username),
                        "domain": ["name": .string(credentials.userDomainName)],
                        "password": .string(credentials.password.revealed),
                    ]
                ],
            ]
            var auth: [String: JSONValue] = ["identity": .object(identity)]
            if let projectName = credentials.projectName, !projectName.isEmpty {
                auth["scope"] = [
                    "project": ["name": .string(projectName), "domain": ["name": .string(credentials.projectDomainName)]]
                ]
            }
            request = HTTPRequest(
                .post, url: base + "/auth/tokens", headers: ["Content-Type": "application/json"],
                body: .bytes(JSONWriter.bytes(["auth": .object(auth)])))
            tokenHeader = "X-Subject-Token"
        }
        let response: HTTPResponse
        do { response = try await client.send(request) } catch let error as HTTPTransportError {
            throw ObjectStorageError.transport(operation: "authenticate", object: authURL, error)
        }
        let failure = SwiftFailure(
            status: response.status, operation: "authenticate", object: authURL,
            message: String(decoding: response.body.prefix(200), as: UTF8.self), transactionID: nil)
        guard (200..<300).contains(response.status) else {
            throw response.status == 401 || response.status == 403
                ? ObjectStorageError.tokenRejected(failure) : ObjectStorageError.http(failure)
        }
        guard let token = response.headers[tokenHeader], !token.isEmpty else {
            throw ObjectStorageError.unexpectedStatus(
                SwiftFailure(
                    status: response.status, operation: "authenticate", object: authURL,
                    message: "no \(tokenHeader) in the answer", transactionID: nil))
        }
        return Secret(token)
    }
}
