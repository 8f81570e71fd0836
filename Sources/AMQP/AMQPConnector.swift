import AgentSupport
import Logging

/// The state of a long-lived connection, for logs, readiness (`READY=1` once consuming) and health checks.
public enum AMQPLinkState: Sendable, Equatable {
    case connecting(AMQPEndpoint)
    /// Connected and every declaration done (for a consumer: consuming).
    case ready(AMQPEndpoint)
    /// The last attempt or the live connection failed; the next attempt comes after `retryIn` seconds.
    case disconnected(error: String, retryIn: Double)
    case stopped
}

/// Opens connections with failover across the configured hosts and capped, jittered exponential backoff
/// between attempts. Used by the consumer and the publisher threads.
struct AMQPConnector {
    let parameters: AMQPConnectionParameters
    let backoff: ReconnectBackoff
    let logger: Logger
    let role: String
    /// Called while waiting between attempts, so the owner's liveness stamp keeps moving.
    let tick: () -> Void
    private var nextEndpoint = 0
    private var failedAttempts = 0

    init(
        parameters: AMQPConnectionParameters, backoff: ReconnectBackoff, logger: Logger, role: String,
        tick: @escaping () -> Void = {}
    ) {
        precondition(!parameters.endpoints.isEmpty, "at least one broker address")
        self.tick = tick
        self.parameters = parameters
        self.backoff = backoff
        self.logger = logger
        self.role = role
    }

    /// Connects and runs `prepare` on the new connection, retrying (next host, after a backoff) until it works or
    /// `stop` is signalled (then nil).
    mutating func connect(
        stop: StopSignal, report: (AMQPLinkState) -> Void, prepare: (AMQPConnection) throws -> Void
    ) -> AMQPConnection? {
        var generator = SystemRandomNumberGenerator()
        while !stop.isStopped {
            let endpoint = parameters.endpoints[nextEndpoint % parameters.endpoints.count]
            report(.connecting(endpoint))
            do {
                let connection = try AMQPConnection(endpoint: endpoint, parameters: parameters)
                try prepare(connection)
                if failedAttempts > 0 {
                    logger.info(
                        "AMQP connection restored",
                        metadata: ["amqp.role": "\(role)", "amqp.broker": "\(endpoint)"])
                }
                failedAttempts = 0
                report(.ready(endpoint))
                return connection
            } catch {
                recordFailure(error, endpoint: endpoint, stop: stop, report: report, generator: &generator)
            }
        }
        return nil
    }

    /// Logs a failure of a live connection and waits before the next attempt.
    mutating func connectionLost(
        _ error: any Error, endpoint: AMQPEndpoint, stop: StopSignal, report: (AMQPLinkState) -> Void
    ) {
        var generator = SystemRandomNumberGenerator()
        recordFailure(error, endpoint: endpoint, stop: stop, report: report, generator: &generator)
    }

    private mutating func recordFailure(
        _ error: any Error, endpoint: AMQPEndpoint, stop: StopSignal, report: (AMQPLinkState) -> Void,
        generator: inout SystemRandomNumberGenerator
    ) {
        let delay = backoff.delay(attempt: failedAttempts, using: &generator)
        failedAttempts += 1
        nextEndpoint += 1
        let permanent = (error as? AMQPError).map { !$0.isTransient } ?? false
        logger.log(
            level: permanent || failedAttempts == 1 ? .error : .warning,
            "AMQP connection failed; retrying",
            metadata: [
                "amqp.role": "\(role)", "amqp.broker": "\(endpoint)", "error": "\(error)",
                "amqp.retry_in_s": "\((delay * 10).rounded() / 10)", "amqp.attempt": "\(failedAttempts)",
            ])
        report(.disconnected(error: "\(error)", retryIn: delay))
        stop.sleep(seconds: delay, tick: tick)
    }
}
