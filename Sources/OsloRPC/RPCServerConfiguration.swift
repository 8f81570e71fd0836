/// Limits and policies of an ``OsloRPCServer``.
public struct RPCServerConfiguration: Sendable {
    /// Bodies larger than this are not parsed; a caller whose reply address can still be found gets a failure.
    public var maximumMessageBytes: Int
    /// Requests of the standard lane handled at once (oslo.messaging's `executor_thread_pool_size`); more wait, in
    /// arrival order, within ``deliveryWindow``.
    public var maximumConcurrentRequests: Int
    /// Read-only datastore queries (``RPCLane/reads``) handled at once, apart from the standard lane.
    public var maximumConcurrentReads: Int
    /// Requests of ``RPCLane/prompt`` (`rpc_ping`) handled at once, apart from both other lanes.
    public var maximumConcurrentPromptRequests: Int
    /// Deliveries per queue the broker may send ahead of a free slot (`basic.qos` prefetch): the agent holds at most
    /// this many waiting requests per queue, and the broker keeps the rest. It is also how far the agent looks past
    /// waiting state changes for a `rpc_ping`.
    public var deliveryWindow: Int
    /// How long a reply may wait for the broker (e.g. during a reconnect) before it is dropped: a caller has
    /// given up by then.
    public var replyDeadlineSeconds: Double
    /// How an error that is not a ``RemoteErrorConvertible`` reaches the caller.
    public var mapUnknownError: @Sendable (any Error) -> RemoteError

    public init(
        maximumMessageBytes: Int = 16 << 20, maximumConcurrentRequests: Int = 64, maximumConcurrentReads: Int = 8,
        maximumConcurrentPromptRequests: Int = 4, deliveryWindow: Int = 64, replyDeadlineSeconds: Double = 600,
        mapUnknownError: @escaping @Sendable (any Error) -> RemoteError = {
            RemoteError.builtin("RuntimeError", String(describing: $0))
        }
    ) {
        self.maximumMessageBytes = maximumMessageBytes
        self.maximumConcurrentRequests = maximumConcurrentRequests
        self.maximumConcurrentReads = maximumConcurrentReads
        self.maximumConcurrentPromptRequests = maximumConcurrentPromptRequests
        self.deliveryWindow = deliveryWindow
        self.replyDeadlineSeconds = replyDeadlineSeconds
        self.mapUnknownError = mapUnknownError
    }

    /// The slots of `lane`.
    public func slots(for lane: RPCLane) -> Int {
        switch lane {
        case .standard: maximumConcurrentRequests
        case .reads: maximumConcurrentReads
        case .prompt: maximumConcurrentPromptRequests
        }
    }
}
