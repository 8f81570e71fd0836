import AgentSupport
import Dispatch
import FoundationEssentials
import Logging
import Synchronization

/// Consumes from the queues of a topology on a dedicated thread and its own connection, reconnecting (with
/// failover and backoff) and redeclaring everything whenever the connection is lost.
///
/// Each delivery is acknowledged as soon as it arrives, before it is handed on: oslo.messaging's RPC server
/// does the same (at-most-once), so a message that crashes its handler is never redelivered for ever.
public final class AMQPConsumer: Sendable {
    private let parameters: AMQPConnectionParameters
    private let topology: AMQPTopology
    private let backoff: ReconnectBackoff
    private let logger: Logger
    private let stopSignal = StopSignal()
    private let stateObserver: @Sendable (AMQPLinkState) -> Void
    private let started = Mutex(false)
    private let lastLoopNanos = Atomic<UInt64>(0)
    private let stallRequest = Mutex<Double?>(nil)
    /// How long one wait for a delivery lasts before the loop checks for a stop (and proves it is alive).
    public let pollInterval: Double

    public init(
        parameters: AMQPConnectionParameters, topology: AMQPTopology, backoff: ReconnectBackoff = ReconnectBackoff(),
        pollInterval: Double = 0.25, logger: Logger, stateObserver: @escaping @Sendable (AMQPLinkState) -> Void = { _ in }
    ) {
        self.parameters = parameters
        self.topology = topology
        self.backoff = backoff
        self.pollInterval = pollInterval
        self.logger = logger
        self.stateObserver = stateObserver
    }

    /// Starts the consumer thread; the stream ends after ``stop()``.
    public func start() -> AsyncStream<AMQPDelivery> {
        let alreadyStarted = started.withLock { value in
            defer { value = true }
            return value
        }
        precondition(!alreadyStarted, "an AMQPConsumer runs once")
        let (stream, continuation) = AsyncStream.makeStream(of: AMQPDelivery.self, bufferingPolicy: .unbounded)
        touch()  // alive from the start: a watchdog must not count the first connection attempt as a hang
        DedicatedThread.start(name: "amqp-consumer") { [self] in
            run(continuation)
            continuation.finish()
            stateObserver(.stopped)
        }
        return stream
    }

    /// Stops consuming: the thread closes its connection within one ``pollInterval`` and the stream ends.
    public func stop() { stopSignal.stop() }

    /// When the consumer thread last went round its loop (monotonic, nanoseconds since boot); a value that stops
    /// advancing means the thread is stuck.
    public var lastLoopUptimeNanoseconds: UInt64 { lastLoopNanos.load(ordering: .relaxed) }

    /// Test hook: makes the consumer thread stop going round its loop for `seconds`, as a stuck thread would.
    public func stallForTesting(seconds: Double) { stallRequest.withLock { $0 = seconds } }

    private func run(_ continuation: AsyncStream<AMQPDelivery>.Continuation) {
        var connector = AMQPConnector(
            parameters: parameters, backoff: backoff, logger: logger, role: "consumer", tick: { [self] in touch() })
        while !stopSignal.isStopped {
            touch()
            guard
                let connection = connector.connect(stop: stopSignal, report: stateObserver, prepare: { connection in
                    try connection.declare(topology)
                    for queue in topology.queues { try connection.consume(queue: queue.name) }
                })
            else { return }
            do {
                while !stopSignal.isStopped {
                    touch()
                    if let stall = stallRequest.withLock({ value in defer { value = nil }; return value }) {
                        DedicatedThread.sleep(seconds: stall)
                    }
                    guard let delivery = try connection.nextDelivery(timeout: pollInterval) else { continue }
                    try connection.ack(delivery.deliveryTag)
                    continuation.yield(delivery)
                }
            } catch {
                connector.connectionLost(error, endpoint: connection.endpoint, stop: stopSignal, report: stateObserver)
            }
        }
    }

    private func touch() { lastLoopNanos.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed) }
}
