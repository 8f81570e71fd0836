/// A transfer that did not produce an HTTP response: libcurl's error (connect, timeout, broken connection), an
/// abort, or a request that could not be set up. An HTTP error status is *not* one of these: it arrives as an
/// ``HTTPResponse`` and the caller judges it.
///
/// Messages name the method and URL, never headers (tokens stay out).
public struct HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, in terms a caller can act on.
    public enum Kind: Sendable, Equatable {
        /// No connection could be made (refused, unreachable, DNS).
        case couldNotConnect
        /// A time limit of ``HTTPTimeouts`` was reached.
        case timedOut
        /// The connection broke while sending or receiving, or the server closed it without answering.
        case connectionLost
        /// A TLS handshake or certificate failure.
        case tls
        /// A ``TransferAbortSignal`` stopped the transfer.
        case aborted(reason: String)
        /// The response body was larger than the client buffers (`limit` bytes).
        case responseTooLarge(limit: Int)
        /// The request itself was invalid (a bad URL, a header with a line break, an unsupported option).
        case invalidRequest
        /// Any other libcurl failure.
        case other
    }

    public let kind: Kind
    /// libcurl's `CURLcode` (0 when the failure did not come from libcurl).
    public let curlCode: Int32
    /// libcurl's description and detail, or ours.
    public let message: String
    /// `METHOD url` of the failed request.
    public let request: String

    public init(kind: Kind, curlCode: Int32 = 0, message: String, request: String) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
        self.request = request
    }

    /// Whether trying the same request again may succeed (connection problems and timeouts).
    public var isTransient: Bool {
        switch kind {
        case .couldNotConnect, .timedOut, .connectionLost, .other: true
        case .tls, .aborted, .responseTooLarge, .invalidRequest: false
        }
    }

    public var description: String {
        let code = curlCode == 0 ? "" : " (curl \(curlCode))"
        return "\(request) failed: \(message)\(code)"
    }
}
