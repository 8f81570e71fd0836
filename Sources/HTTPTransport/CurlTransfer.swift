internal import CCurl

/// The state of one running transfer, reached from libcurl's C callbacks through their userdata pointer: the
/// request body reader, the response headers being collected, the body consumer or buffer, and the first error
/// thrown by a callback (rethrown after `curl_easy_perform` returns).
///
/// Lives only for one `curl_easy_perform` on one thread.
final class CurlTransfer {
    let bodyLength: Int64?
    private let reader: ((UnsafeMutableRawBufferPointer) throws -> Int)?
    private let abort: TransferAbortSignal?
    private let maxBufferedBody: Int
    private let request: String
    private let responseBody: (HTTPResponseHead) -> ((UnsafeRawBufferPointer) throws -> Void)?

    private(set) var headers: [HTTPHeader] = []
    private var status = 0
    private var consumerDecided = false
    private var consumer: ((UnsafeRawBufferPointer) throws -> Void)?
    private(set) var buffered: [UInt8] = []
    private(set) var callbackError: (any Error)?
    /// Request body bytes handed to libcurl, response body bytes received (framing excluded).
    private(set) var bodyBytesSent: Int64 = 0
    private(set) var bodyBytesReceived: Int64 = 0

    init(
        request: HTTPRequest,
        abort: TransferAbortSignal?,
        maxBufferedBody: Int,
        responseBody: @escaping (HTTPResponseHead) -> ((UnsafeRawBufferPointer) throws -> Void)?
    ) {
        self.request = request.description
        self.abort = abort
        self.maxBufferedBody = maxBufferedBody
        self.responseBody = responseBody
        switch request.body {
        case .none:
            bodyLength = 0
            reader = nil
        case .bytes(let bytes):
            bodyLength = Int64(bytes.count)
            var offset = 0
            reader = { buffer in
                let count = min(buffer.count, bytes.count - offset)
                bytes.withUnsafeBytes { source in
                    buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count)]))
                }
                offset += count
                return count
            }
        case .stream(let length, let read):
            bodyLength = length
            reader = read
        }
    }

    private var abortError: HTTPTransportError? {
        guard let abort, abort.isAborted else { return nil }
        let reason = abort.reason ?? "aborted"
        return HTTPTransportError(kind: .aborted(reason: reason), message: "aborted: \(reason)", request: request)
    }

    /// libcurl wants up to `buffer.count` body bytes. Returns the count, or nil to abort the transfer.
    func readBody(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        if let abortError {
            callbackError = callbackError ?? abortError
            return nil
        }
        guard let reader else { return 0 }
        do {
            let count = try reader(buffer)
            bodyBytesSent += Int64(count)
            return count
        } catch {
            callbackError = callbackError ?? error
            return nil
        }
    }

    /// One raw header line (with its CRLF), status lines included.
    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        var text = String(decoding: line, as: UTF8.self)
        while let last = text.last, last.isNewline { text.removeLast() }
        if text.hasPrefix("HTTP/") {
            // A new response (an interim 100 Continue comes first): start over.
            headers.removeAll()
            let parts = text.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        } else if let colon = text.firstIndex(of: ":") {
            let name = String(text[..<colon]).trimmingWhitespace()
            let value = String(text[text.index(after: colon)...]).trimmingWhitespace()
            headers.append(HTTPHeader(name: name, value: value))
        }
    }

    /// A piece of the response body. Returns false to abort the transfer.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bodyBytesReceived += Int64(bytes.count)
        if !consumerDecided {
            consumerDecided = true
            consumer = responseBody(HTTPResponseHead(status: status, headers: HTTPHeaders(headers)))
        }
        if let consumer {
            do {
                try consumer(bytes)
                return true
            } catch {
                callbackError = callbackError ?? error
                return false
            }
        }
        guard buffered.count + bytes.count <= maxBufferedBody else {
            callbackError =
                callbackError
                ?? HTTPTransportError(
                    kind: .responseTooLarge(limit: maxBufferedBody),
                    message: "response body larger than \(maxBufferedBody) bytes", request: request)
            return false
        }
        buffered.append(contentsOf: bytes)
        return true
    }

    /// Called by libcurl about once a second and on every transfer step: false aborts.
    func shouldContinue() -> Bool {
        if let abortError {
            callbackError = callbackError ?? abortError
            return false
        }
        return true
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}

// MARK: - C callbacks (non-capturing, so they convert to C function pointers)

private func transfer(_ userdata: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
}

let curlReadCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    buffer, size, count, userdata in
    let capacity = size * count
    guard let buffer, capacity > 0 else { return 0 }
    let result = transfer(userdata).readBody(into: UnsafeMutableRawBufferPointer(start: buffer, count: capacity))
    return result ?? Int(CURL_READFUNC_ABORT)
}

let curlWriteCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, userdata in
    let length = size * count
    guard let data, length > 0 else { return 0 }
    let accepted = transfer(userdata).receiveBody(UnsafeRawBufferPointer(start: data, count: length))
    return accepted ? length : 0
}

let curlHeaderCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, userdata in
    let length = size * count
    guard let data else { return length }
    transfer(userdata).receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

let curlProgressCallback:
    @convention(c) (UnsafeMutableRawPointer?, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> Int32 = {
        userdata, _, _, _, _ in
        transfer(userdata).shouldContinue() ? 0 : 1
    }
