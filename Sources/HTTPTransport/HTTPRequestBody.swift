import AgentSupport

/// The body of an ``HTTPRequest``.
public enum HTTPRequestBody: Sendable {
    /// No body (`Content-Length: 0` on a `PUT`).
    case none
    /// A body held in memory; sent with `Content-Length`.
    case bytes([UInt8])
    /// A body pulled by libcurl on the transfer's thread: `reader` fills the buffer it is given and returns the
    /// count, `0` at the end. `length` sets `Content-Length`; `nil` sends `Transfer-Encoding: chunked`.
    /// A `reader` that throws aborts the transfer and ``HTTPClient/perform(_:abort:responseBody:)`` rethrows
    /// that error. A stream can be read once: a retry needs a new body.
    case stream(length: Int64?, reader: @Sendable (UnsafeMutableRawBufferPointer) throws -> Int)

    /// A body pulled from `source` chunk by chunk (chunked encoding when `length` is `nil`).
    public static func source(_ source: any ByteSource, length: Int64? = nil) -> HTTPRequestBody {
        let reader = ByteSourceReader(source)
        return .stream(length: length) { buffer in try reader.read(into: buffer) }
    }
}

/// Adapts a chunk-pulling ``ByteSource`` to libcurl's fill-this-buffer reads, keeping the rest of a chunk that
/// did not fit for the next read.
///
/// `@unchecked Sendable`: its mutable state is touched only from libcurl's read callback, which runs on the one
/// thread performing the transfer; a body is sent by one transfer at a time.
private final class ByteSourceReader: @unchecked Sendable {
    private let source: any ByteSource
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var ended = false

    init(_ source: any ByteSource) { self.source = source }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while pendingOffset == pending.count {
            if ended { return 0 }
            guard let chunk = try source.nextChunk() else {
                ended = true
                return 0
            }
            pending = chunk
            pendingOffset = 0
        }
        let count = min(buffer.count, pending.count - pendingOffset)
        pending.withUnsafeBytes { bytes in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[pendingOffset..<(pendingOffset + count)]))
        }
        pendingOffset += count
        return count
    }
}
