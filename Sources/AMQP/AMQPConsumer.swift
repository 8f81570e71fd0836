import AgentSupport
import Dispatch
import FoundationEssentials
import Logging
import Synchronization

/// Consumes from the queues of a topology on a dedicated thread and its own connection, reconnecting (with
/// failover and backoff) and redeclaring everything whenever the connection is lost.
///
/// Back-pressure: the broker sends each queue's consumer at most ``prefetchCount`` deliveries that the receiver
/// has not taken yet (`basic.qos`). The receiver takes each one with ``AMQPDeliveryReceipt/acknowledge()`` when it
/// has room for it, and the consumer thread then acknowledges it: from that moment it is never redelivered, even if
/// handling it crashes the process (oslo.messaging's at-most-once, so a poisonous message is not redelivered for
/// ever). What was not taken when the connection ends goes back to the queue. A receiver must take or drop every
/// delivery, or the window stays full.
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
    private let ledger = DeliveryLedger()
    /// How long one wait for a delivery lasts before the loop checks for a stop (and proves it is alive).
    public let pollInterval: Double
    /// Deliveries per queue the broker may send before the receiver has taken them.
    public let prefetchCount: UInt16
    /// The wait while deliveries wait to be taken, so that an acknowledgement (which makes room in the window)
    /// goes out soon after the receiver took one.
    static let acknowledgementPollInterval = 0.02

    public init(
        parameters: AMQPConnectionParameters, topology: AMQPTopology, prefetchCount: UInt16,
        backoff: ReconnectBackoff = ReconnectBackoff(), pollInterval: Double = 0.25, logger: Logger,
        stateObserver: @escaping @Sendable (AMQPLinkState) -> Void = { _ in }
    ) {
        precondition(prefetchCount > 0, "a bounded window: 0 would let the broker send without limit")
        self.parameters = parameters
        self.topology = topology
        self.prefetchCount = prefetchCount
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
                    try connection.setPrefetch(count: prefetchCount)
                    for queue in topology.queues { try connection.consume(queue: queue.name) }
                })
            else { return }
            let generation = ledger.open()
            do {
                while !stopSignal.isStopped {
                    touch()
                    if let stall = stallRequest.withLock({ value in defer { value = nil }; return value }) {
                        DedicatedThread.sleep(seconds: stall)
                    }
                    for tag in ledger.takeAcknowledgements() { try connection.ack(tag) }
                    let wait = ledger.hasOutstanding ? min(pollInterval, Self.acknowledgementPollInterval) : pollInterval
                    guard var delivery = try connection.nextDelivery(timeout: wait) else { continue }
                    delivery.receipt = AMQPDeliveryReceipt(
                        ledger: ledger, generation: generation, deliveryTag: delivery.deliveryTag)
                    ledger.handedOn()
                    continuation.yield(delivery)
                }
                // Stopping: what receivers took is acknowledged before the connection closes; the rest is requeued.
                for tag in ledger.close() { try connection.ack(tag) }
            } catch {
                _ = ledger.close()
                connector.connectionLost(error, endpoint: connection.endpoint, stop: stopSignal, report: stateObserver)
            }
        }
    }

    private func touch() { lastLoopNanos.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed) }
}
