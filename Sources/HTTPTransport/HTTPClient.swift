import AgentSupport
import Logging
import Synchronization

/// A small HTTP client over libcurl easy handles, for streaming transfers of any size.
///
/// ```swift
/// let client = HTTPClient(logger: logger)
/// let response = try await client.send(HTTPRequest(.head, url: url, headers: ["X-Auth-Token": token.revealed]))
/// ```
///
/// Transfers run on the calling thread (``perform(_:abort:responseBody:)``, for code already on a blocking thread)
/// or on ``BlockingThreadPool`` (``send(_:)``): never on Swift's cooperative pool. Idle handles are kept for
/// reuse, so keep-alive connections are reused between requests. An HTTP error status is a normal response;
/// only a failed transfer throws. Log lines name the method, URL and status, never headers.
public final class HTTPClient: Sendable {
    private let logger: Logger
    private let idleHandles = Mutex<[CurlEasyHandle]>([])
    private let maxIdleHandles: Int
    /// libcurl's receive and upload buffer size (bytes per read/write callback at most).
    public let bufferSize: Int
    /// The largest response body buffered in memory when the caller does not stream it.
    public let maxBufferedBody: Int

    /// - Parameters:
    ///   - maxIdleHandles: easy handles (and so keep-alive connections) kept between requests.
    ///   - bufferSize: libcurl's receive and upload buffer, 16 KiB to 2 MiB.
    ///   - maxBufferedBody: cap for buffered response bodies (an SLO manifest is at most 8 MiB).
    public init(
        logger: Logger,
        maxIdleHandles: Int = 8,
        bufferSize: Int = 256 * 1024,
        maxBufferedBody: Int = 16 * 1024 * 1024
    ) {
        self.logger = logger
        self.maxIdleHandles = maxIdleHandles
        self.bufferSize = min(max(bufferSize, 16 * 1024), 2 * 1024 * 1024)
        self.maxBufferedBody = maxBufferedBody
    }

    /// Runs `request` on the calling thread and returns its response, whatever its status.
    ///
    /// Call it only from a blocking thread (``BlockingThreadPool``, ``DedicatedThread``): it blocks until the
    /// transfer ends.
    ///
    /// - Parameters:
    ///   - abort: stops the transfer from another thread.
    ///   - responseBody: given the final status and headers, returns a consumer that receives the body as it
    ///     arrives (it runs on this thread and may block: that is back-pressure), or `nil` to buffer the body into
    ///     the returned response (up to ``maxBufferedBody``).
    /// - Throws: an error thrown by the request body's reader or the body consumer (rethrown as is), otherwise
    ///   ``HTTPTransportError``.
    public func perform(
        _ request: HTTPRequest,
        abort: TransferAbortSignal? = nil,
        responseBody: (HTTPResponseHead) -> ((UnsafeRawBufferPointer) throws -> Void)? = { _ in nil }
    ) throws -> HTTPResponse {
        let handle = try checkOutHandle()
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let response = try handle.perform(
                request, abort: abort, bufferSize: bufferSize, maxBufferedBody: maxBufferedBody,
                responseBody: responseBody)
            checkIn(handle)
            logger.debug(
                "http request",
                metadata: [
                    "request": "\(request)", "status": "\(response.status)", "sent": "\(response.bytesSent)",
                    "received": "\(response.bytesReceived)", "duration": "\(clock.now - started)",
                ])
            return response
        } catch {
            // A failed handle may hold a broken connection: do not reuse it.
            logger.debug(
                "http request failed",
                metadata: ["request": "\(request)", "error": "\(error)", "duration": "\(clock.now - started)"])
            throw error
        }
    }

    /// Runs `request` on ``BlockingThreadPool`` and returns the response with its body buffered.
    ///
    /// Cancelling the calling task aborts the transfer.
    ///
    /// - Throws: ``HTTPTransportError`` (with kind `.aborted` when cancelled).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let abort = TransferAbortSignal()
        return try await withTaskCancellationHandler {
            try await BlockingThreadPool.shared.run { [self] in try perform(request, abort: abort) }
        } onCancel: {
            abort.abort(reason: "task cancelled")
        }
    }

    private func checkOutHandle() throws(HTTPTransportError) -> CurlEasyHandle {
        if let idle = idleHandles.withLock({ $0.popLast() }) { return idle }
        return try CurlEasyHandle()
    }

    private func checkIn(_ handle: CurlEasyHandle) {
        idleHandles.withLock { idle in
            if idle.count < maxIdleHandles { idle.append(handle) }
        }
    }
}
