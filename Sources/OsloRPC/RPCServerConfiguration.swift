/// Limits and policies of an ``OsloRPCServer``.
public struct RPCServerConfiguration: Sendable {
    /// Bodies larger than this are not parsed; a caller whose reply address can still be found gets a failure.
    public var maximumMessageBytes: Int
    /// Requests handled at once; more wait in the consumer's buffer.
    public var maximumConcurrentRequests: Int
    /// How long a reply may wait for the broker (e.g. during a reconnect) before it is dropped: a caller has
    /// given up by then.
    public var replyDeadlineSeconds: Double
    /// How an error that is not a ``RemoteErrorConvertible`` reaches the caller.
    public var mapUnknownError: @Sendable (any Error) -> RemoteError

    public init(
        maximumMessageBytes: Int = 16 << 20, maximumConcurrentRequests: Int = 64, replyDeadlineSeconds: Double = 600,
        mapUnknownError: @escaping @Sendable (any Error) -> RemoteError = {
            RemoteError.builtin("RuntimeError", String(describing: $0))
        }
    ) {
        self.maximumMessageBytes = maximumMessageBytes
        self.maximumConcurrentRequests = maximumConcurrentRequests
        self.replyDeadlineSeconds = replyDeadlineSeconds
        self.mapUnknownError = mapUnknownError
    }
}
