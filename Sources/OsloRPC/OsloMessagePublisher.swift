import AMQP
import Foundation

/// Where the RPC layer hands the messages it sends (replies, casts). ``AMQPPublisher`` is the real one.
public protocol OsloMessagePublisher: Sendable {
    /// Returns once the broker has the message; throws when it could not be delivered by `deadline`.
    func publish(_ message: AMQPOutgoingMessage, deadline: Date) async throws
}

extension AMQPPublisher: OsloMessagePublisher {}
