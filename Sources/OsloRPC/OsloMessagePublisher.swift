import AMQP
import FoundationEssentials

/// Where the RPC layer hands the messages it sends (replies, casts). ``AMQPPublisher`` is the real one.
public protocol OsloMessagePublisher: Sendable {
    /// Returns once the broker has the message; throws when it could not be delivered by `deadline`.
    func publish(_ message: AMQPOutgoingMessage, deadline: Date) async throws

    /// Queues the message without waiting; `completion` learns whether the broker took it.
    func publish(
        _ message: AMQPOutgoingMessage, deadline: Date, completion: @escaping @Sendable (Result<Void, any Error>) -> Void)
}

extension OsloMessagePublisher {
    public func publish(
        _ message: AMQPOutgoingMessage, deadline: Date, completion: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        Task {
            do {
                try await publish(message, deadline: deadline)
                completion(.success(()))
            } catch {
                completion(.failure(error))
            }
        }
    }
}

extension AMQPPublisher: OsloMessagePublisher {}
