/// The status line and headers of a response, as handed to a body consumer before the body arrives.
public struct HTTPResponseHead: Sendable, Equatable {
    /// The final status code (interim `100 Continue` responses are skipped).
    public let status: Int
    public let headers: HTTPHeaders

    public init(status: Int, headers: HTTPHeaders) {
        self.status = status
        self.headers = headers
    }

    /// `true` for 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// A complete response: head, and the body when it was buffered (empty when a consumer streamed it).
public struct HTTPResponse: Sendable, Equatable {
    public let head: HTTPResponseHead
    /// The buffered body; empty for `HEAD`, for bodiless responses, and when a consumer took the body.
    public let body: [UInt8]
    /// Request body bytes sent and response body bytes received (chunked framing excluded).
    public let bytesSent: Int64
    public let bytesReceived: Int64

    public init(head: HTTPResponseHead, body: [UInt8], bytesSent: Int64 = 0, bytesReceived: Int64 = 0) {
        self.head = head
        self.body = body
        self.bytesSent = bytesSent
        self.bytesReceived = bytesReceived
    }

    public var status: Int { head.status }
    public var headers: HTTPHeaders { head.headers }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
