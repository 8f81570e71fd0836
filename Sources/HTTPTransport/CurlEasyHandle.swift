internal import CCurl

/// The one owner of a libcurl easy handle (`CURL *`): configures it for an ``HTTPRequest``, runs the transfer on
/// the calling thread, and frees it on `deinit`. Nothing else touches libcurl's pointers.
///
/// `@unchecked Sendable`: a libcurl easy handle must not be used by two threads at once. ``HTTPClient`` hands a
/// handle to exactly one transfer at a time (checked out of its idle pool under a lock), so the handle moves
/// between threads but is never shared.
final class CurlEasyHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// - Throws: ``HTTPTransportError`` when libcurl cannot be initialised or allocate a handle.
    init() throws(HTTPTransportError) {
        if let problem = CurlGlobal.problem {
            throw HTTPTransportError(kind: .other, message: problem, request: "-")
        }
        guard let handle = CCurl_easy_init() else {
            throw HTTPTransportError(kind: .other, message: "curl_easy_init failed", request: "-")
        }
        self.handle = handle
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        CCurl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Runs one transfer to completion on the calling (blocking) thread.
    ///
    /// - Parameters:
    ///   - bufferSize: libcurl's receive and upload buffer size.
    ///   - maxBufferedBody: the largest response body kept in memory when `responseBody` declines it.
    ///   - responseBody: given the final status and headers, returns a consumer for the body, or `nil` to buffer it.
    /// - Throws: the error thrown by the request body's reader or the response consumer, otherwise
    ///   ``HTTPTransportError``.
    func perform(
        _ request: HTTPRequest,
        abort: TransferAbortSignal?,
        bufferSize: Int,
        maxBufferedBody: Int,
        responseBody: (HTTPResponseHead) -> ((UnsafeRawBufferPointer) throws -> Void)?
    ) throws -> HTTPResponse {
        CCurl_easy_reset(handle)
        errorBuffer[0] = 0
        return try withoutActuallyEscaping(responseBody) { responseBody in
            let transfer = CurlTransfer(
                request: request, abort: abort, maxBufferedBody: maxBufferedBody, responseBody: responseBody)
            var headerList: UnsafeMutablePointer<curl_slist>?
            defer { CCurl_slist_free_all(headerList) }
            try configure(request, transfer: transfer, bufferSize: bufferSize, headerList: &headerList)
            let code = withExtendedLifetime(transfer) { CCurl_easy_perform(handle) }
            if let error = transfer.callbackError { throw error }
            guard code == CURLE_OK else { throw transportError(code, request: request, abort: abort) }
            var status = 0
            _ = CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return HTTPResponse(
                head: HTTPResponseHead(status: status, headers: HTTPHeaders(transfer.headers)),
                body: transfer.buffered, bytesSent: transfer.bodyBytesSent, bytesReceived: transfer.bodyBytesReceived)
        }
    }

    // MARK: - Options

    private func configure(
        _ request: HTTPRequest,
        transfer: CurlTransfer,
        bufferSize: Int,
        headerList: inout UnsafeMutablePointer<curl_slist>?
    ) throws(HTTPTransportError) {
        let describe = request.description
        func check(_ code: CURLcode, _ option: String) throws(HTTPTransportError) {
            guard code == CURLE_OK else {
                throw HTTPTransportError(
                    kind: .invalidRequest, curlCode: Int32(bitPattern: code.rawValue),
                    message: "cannot set \(option): \(String(cString: CCurl_easy_strerror(code)))", request: describe)
            }
        }
        func setLong(_ option: CURLoption, _ value: Int, _ name: String) throws(HTTPTransportError) {
            try check(CCurl_setopt_long(handle, option, value), name)
        }
        func setString(_ option: CURLoption, _ value: String, _ name: String) throws(HTTPTransportError) {
            // libcurl copies string options (since 7.17), so the pointer need not outlive the call.
            try check(value.withCString { CCurl_setopt_string(handle, option, $0) }, name)
        }
        guard request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else {
            throw HTTPTransportError(kind: .invalidRequest, message: "not an http(s) URL", request: describe)
        }
        try setString(CURLOPT_URL, request.url, "URL")
        try setString(CURLOPT_PROTOCOLS_STR, "http,https", "PROTOCOLS_STR")
        try setLong(CURLOPT_NOSIGNAL, 1, "NOSIGNAL")
        try setLong(CURLOPT_FOLLOWLOCATION, 0, "FOLLOWLOCATION")
        try setLong(CURLOPT_TCP_KEEPALIVE, 1, "TCP_KEEPALIVE")
        try check(CCurl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        try setLong(CURLOPT_BUFFERSIZE, bufferSize, "BUFFERSIZE")
        try setLong(CURLOPT_UPLOAD_BUFFERSIZE, bufferSize, "UPLOAD_BUFFERSIZE")

        let timeouts = request.timeouts
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, max(1, timeouts.connect.milliseconds), "CONNECTTIMEOUT_MS")
        if let stall = timeouts.stall {
            try setLong(CURLOPT_LOW_SPEED_LIMIT, 1, "LOW_SPEED_LIMIT")
            try setLong(CURLOPT_LOW_SPEED_TIME, max(1, stall.milliseconds / 1000), "LOW_SPEED_TIME")
        }
        if let total = timeouts.total { try setLong(CURLOPT_TIMEOUT_MS, max(1, total.milliseconds), "TIMEOUT_MS") }

        let context = Unmanaged.passUnretained(transfer).toOpaque()
        try check(CCurl_setopt_header(handle, curlHeaderCallback), "HEADERFUNCTION")
        try check(CCurl_setopt_ptr(handle, CURLOPT_HEADERDATA, context), "HEADERDATA")
        try check(CCurl_setopt_write(handle, curlWriteCallback), "WRITEFUNCTION")
        try check(CCurl_setopt_ptr(handle, CURLOPT_WRITEDATA, context), "WRITEDATA")
        try check(CCurl_setopt_read(handle, curlReadCallback), "READFUNCTION")
        try check(CCurl_setopt_ptr(handle, CURLOPT_READDATA, context), "READDATA")
        try check(CCurl_setopt_xferinfo(handle, curlProgressCallback), "XFERINFOFUNCTION")
        try check(CCurl_setopt_ptr(handle, CURLOPT_XFERINFODATA, context), "XFERINFODATA")
        try setLong(CURLOPT_NOPROGRESS, 0, "NOPROGRESS")

        var headers = request.headers
        switch request.method {
        case .get:
            try setLong(CURLOPT_HTTPGET, 1, "HTTPGET")
        case .head:
            try setLong(CURLOPT_NOBODY, 1, "NOBODY")
        case .delete:
            try setString(CURLOPT_CUSTOMREQUEST, "DELETE", "CUSTOMREQUEST")
        case .put, .post:
            if request.method == .put {
                try setLong(CURLOPT_UPLOAD, 1, "UPLOAD")
            } else {
                try setLong(CURLOPT_POST, 1, "POST")
            }
            let sizeOption = request.method == .put ? CURLOPT_INFILESIZE_LARGE : CURLOPT_POSTFIELDSIZE_LARGE
            switch transfer.bodyLength {
            case .some(let length):
                try check(CCurl_setopt_off(handle, sizeOption, curl_off_t(length)), "body size")
            case .none:
                headers.set("Transfer-Encoding", "chunked")
            }
        }
        for field in headers.fields {
            guard !field.name.isEmpty, !field.name.contains(where: { $0 == ":" || $0.isNewline }),
                !field.value.contains(where: \.isNewline)
            else {
                throw HTTPTransportError(
                    kind: .invalidRequest, message: "header \(field.name.debugDescription) has a line break or colon",
                    request: describe)
            }
            let line = field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
            guard let appended = CCurl_slist_append(headerList, line) else {
                throw HTTPTransportError(kind: .other, message: "curl_slist_append failed", request: describe)
            }
            headerList = appended
        }
        try check(CCurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "HTTPHEADER")
    }

    private func transportError(_ code: CURLcode, request: HTTPRequest, abort: TransferAbortSignal?)
        -> HTTPTransportError
    {
        let detail = String(cString: errorBuffer)
        var message = String(cString: CCurl_easy_strerror(code))
        if !detail.isEmpty, detail != message { message += ": \(detail)" }
        let kind: HTTPTransportError.Kind =
            switch code {
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .couldNotConnect
            case CURLE_OPERATION_TIMEDOUT: .timedOut
            case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SEND_FAIL_REWIND,
                CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY:
                .connectionLost
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
                CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER:
                .tls
            case CURLE_ABORTED_BY_CALLBACK: .aborted(reason: abort?.reason ?? "aborted")
            case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: .invalidRequest
            default: .other
            }
        return HTTPTransportError(
            kind: kind, curlCode: Int32(bitPattern: code.rawValue), message: message, request: request.description)
    }
}

/// libcurl loaded (on first use, not at start-up) and its process-wide initialisation, done once before the first
/// handle (`curl_global_init` is not thread-safe itself; Swift runs a static initialiser exactly once).
enum CurlGlobal {
    /// Why libcurl cannot be used, or nil when it can.
    static let problem: String? = {
        if let failure = CCurl_load() { return String(cString: failure) }
        return CCurl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK ? nil : "curl_global_init failed"
    }()
}

extension Duration {
    /// Whole milliseconds (rounded down), for libcurl's `_MS` options.
    fileprivate var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
