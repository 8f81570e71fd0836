/// One HTTP request for ``HTTPClient``: method, absolute URL, headers, body and time limits.
public struct HTTPRequest: Sendable, CustomStringConvertible {
    /// The HTTP methods the agent uses.
    public enum Method: String, Sendable {
        case get = "GET"
        case head = "HEAD"
        case put = "PUT"
        case post = "POST"
        case delete = "DELETE"
    }

    public var method: Method
    /// An absolute `http://` or `https://` URL, already percent-encoded.
    public var url: String
    public var headers: HTTPHeaders
    public var body: HTTPRequestBody
    public var timeouts: HTTPTimeouts

    public init(
        _ method: Method,
        url: String,
        headers: HTTPHeaders = [:],
        body: HTTPRequestBody = .none,
        timeouts: HTTPTimeouts = .default
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
    }

    /// `METHOD url`: safe for logs (headers, and so tokens, are left out).
    public var description: String { "\(method.rawValue) \(url)" }
}
