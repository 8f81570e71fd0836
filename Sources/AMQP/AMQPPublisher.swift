import AgentSupport
import FoundationEssentials
import Logging

/// Publishes messages on a dedicated thread and its own connection, with publisher confirms: ``publish(_:deadline:)``
/// returns once the broker has taken the message.
///
/// The thread sleeps on its outbox and wakes the moment a message is queued, so a reply leaves within a
/// millisecond of being handed over. When the connection is lost, queued and unconfirmed messages stay in the
/// outbox and go out after the reconnect (at-least-once; oslo's receivers tolerate duplicates), unless their
/// deadline passes first. A `mandatory` message the broker routes nowhere fails with
/// ``AMQPError/unroutable(exchange:routingKey:code:text:)``: its sender decides whether to try again.
public final class AMQPPublisher: @unchecked Sendable {
    // @unchecked: `outbox` and `running` are guarded by `condition`; the rest is immutable.
    private struct Pending {
        let message: AMQPOutgoingMessage
        let deadline: Date
        let done: @Sendable (Result<Void, any Error>) -> Void
    }

    private let parameters: AMQPConnectionParameters
    private let topology: AMQPTopology
    private let backoff: ReconnectBackoff
    private let logger: Logger
    private let confirmTimeout: Double
    private let stateObserver: @Sendable (AMQPLinkState) -> Void
    private let stopSignal = StopSignal()
    private let condition = ConditionLock()
    private var outbox: [Pending] = []
    private var running = false

    /// - Parameter topology: exchanges to declare before publishing (a publish to a missing exchange makes the broker
    ///   close the channel); its queues are ignored.
    public init(
        parameters: AMQPConnectionParameters, topology: AMQPTopology, backoff: ReconnectBackoff = ReconnectBackoff(),
        confirmTimeout: Double = 30, logger: Logger,
        stateObserver: @escaping @Sendable (AMQPLinkState) -> Void = { _ in }
    ) {
        self.parameters = parameters
        self.topology = AMQPTopology(exchanges: topology.exchanges)
        self.backoff = backoff
        self.confirmTimeout = confirmTimeout
        self.logger = logger
        self.stateObserver = stateObserver
    }

    public func start() {
        condition.lock()
        precondition(!running, "an AMQPPublisher runs once")
        running = true
        condition.unlock()
        DedicatedThread.start(name: "amqp-publisher") { [self] in
            run()
            failAll(AMQPError.stopped)
            stateObserver(.stopped)
        }
    }

    /// Stops the thread; messages still queued fail with ``AMQPError/stopped``.
    public func stop() {
        stopSignal.stop()
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Queues `message` and waits until the broker confirmed it.
    ///
    /// - Parameter deadline: give up (throwing ``AMQPError/confirmTimeout``) if the message is not confirmed by then,
    ///   e.g. a reply whose caller has stopped waiting.
    public func publish(_ message: AMQPOutgoingMessage, deadline: Date) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enqueue(Pending(message: message, deadline: deadline, done: { continuation.resume(with: $0) }))
        }
    }

    /// Queues `message` without waiting; `completion` runs on the publisher thread once it is confirmed or failed.
    public func publish(
        _ message: AMQPOutgoingMessage, deadline: Date,
        completion: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        enqueue(Pending(message: message, deadline: deadline, done: completion))
    }

    private func enqueue(_ pending: Pending) {
        condition.lock()
        if stopSignal.isStopped {
            condition.unlock()
            pending.done(.failure(AMQPError.stopped))
            return
        }
        outbox.append(pending)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var connector = AMQPConnector(parameters: parameters, backoff: backoff, logger: logger, role: "publisher")
        // While disconnected, messages whose deadline passes fail at each attempt instead of waiting for the broker.
        let report: (AMQPLinkState) -> Void = { [self] state in
            expireOverdue()
            stateObserver(state)
        }
        while !stopSignal.isStopped {
            guard
                let connection = connector.connect(stop: stopSignal, report: report, prepare: { connection in
                    try connection.declare(topology)
                    try connection.enablePublisherConfirms()
                })
            else { return }
            let idleWake = max(0.5, min(Double(max(connection.negotiatedHeartbeat, 1)) / 4, 5))
            do {
                while !stopSignal.isStopped {
                    let batch = takeBatch(waitingUpTo: idleWake)
                    if batch.isEmpty {
                        try connection.serviceHeartbeats()
                        continue
                    }
                    let returned: [AMQPReturnedMessage]
                    do {
                        var last: UInt64 = 0
                        _ = connection.takeReturned()
                        for pending in batch { last = try connection.publish(pending.message) }
                        try connection.waitForConfirm(upTo: last, timeout: confirmTimeout)
                        returned = connection.takeReturned()
                    } catch {
                        requeue(batch)
                        throw error
                    }
                    // A mandatory message travels alone in its batch, so a return during its confirm is its own.
                    if let bounced = returned.first, batch.count == 1, batch[0].message.mandatory {
                        batch[0].done(
                            .failure(
                                AMQPError.unroutable(
                                    exchange: bounced.exchange, routingKey: bounced.routingKey, code: bounced.code,
                                    text: bounced.text)))
                        continue
                    }
                    for pending in batch { pending.done(.success(())) }
                }
            } catch {
                connector.connectionLost(error, endpoint: connection.endpoint, stop: stopSignal, report: report)
            }
        }
    }

    private func expireOverdue() {
        let now = Date()
        condition.lock()
        let overdue = outbox.filter { $0.deadline < now }
        outbox.removeAll { $0.deadline < now }
        condition.unlock()
        for pending in overdue { pending.done(.failure(AMQPError.confirmTimeout)) }
    }

    /// Takes what is queued (waiting up to `seconds` for something), failing messages whose deadline passed: every
    /// message up to the first `mandatory` one, or that one alone (so that a return is known to be its own).
    private func takeBatch(waitingUpTo seconds: Double) -> [Pending] {
        condition.lock()
        if outbox.isEmpty, !stopSignal.isStopped {
            _ = condition.wait(until: Date().addingTimeInterval(seconds))
        }
        let count =
            if let first = outbox.firstIndex(where: { $0.message.mandatory }) { first == 0 ? 1 : first }
            else { outbox.count }
        let taken = Array(outbox.prefix(count))
        outbox.removeFirst(count)
        condition.unlock()
        let now = Date()
        var live: [Pending] = []
        for pending in taken {
            if pending.deadline < now { pending.done(.failure(AMQPError.confirmTimeout)) } else { live.append(pending) }
        }
        return live
    }

    private func requeue(_ batch: [Pending]) {
        condition.lock()
        outbox.insert(contentsOf: batch, at: 0)
        condition.unlock()
    }

    private func failAll(_ error: AMQPError) {
        condition.lock()
        let failed = outbox
        outbox.removeAll()
        condition.unlock()
        for pending in failed { pending.done(.failure(error)) }
    }
}
