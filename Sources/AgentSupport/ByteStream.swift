/// A blocking, pull-based source of byte chunks: a backup stream being produced, a download being received.
///
/// Call it only from a blocking thread (``BlockingThreadPool`` or a ``DedicatedThread``), never from async code.
public protocol ByteSource: AnyObject, Sendable {
    /// The next chunk, or `nil` at the end of the stream. Throws the producer's error if it failed: a consumer
    /// never mistakes a failed stream for a short one.
    func nextChunk() throws -> [UInt8]?
}

/// A blocking, push-based sink of byte chunks.
public protocol ByteSink: AnyObject, Sendable {
    /// Writes one chunk; blocks while the consumer is behind (that is the back-pressure).
    func write(_ chunk: [UInt8]) throws
    /// Marks the end of the stream.
    func finish() throws
}

/// Why a stream stopped before its end.
public enum ByteStreamError: Error, Equatable, CustomStringConvertible {
    /// The other side gave up (its reason is reported by that side).
    case cancelled(String)

    public var description: String {
        switch self {
        case .cancelled(let reason): "stream cancelled: \(reason)"
        }
    }
}
