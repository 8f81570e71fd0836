import AgentSupport
import AMQP
import FoundationEssentials

/// Sends casts (fire-and-forget RPCs) to an oslo.messaging server: Trove's conductor, for this agent.
public struct OsloRPCCaster: Sendable {
    private let publisher: any OsloMessagePublisher
    private let serializer: any RPCSerializer
    public let exchange: String

    public init(
        publisher: any OsloMessagePublisher, exchange: String, serializer: any RPCSerializer = PassthroughSerializer()
    ) {
        self.publisher = publisher
        self.exchange = exchange
        self.serializer = serializer
    }

    /// Publishes `method(**args)` to `topic` on the control exchange, with version `version`, and returns once the
    /// broker confirmed it.
    ///
    /// - Parameter mandatory: the broker must route it to a queue: when none is bound to `topic` right now (a
    ///   non-durable queue the broker restart removed, not yet declared again by its server), the cast fails with
    ///   ``AMQPError/unroutable(exchange:routingKey:code:text:)`` instead of being dropped by the broker.
    /// - Throws: ``AMQPError`` when the broker did not take it before `deadline`.
    public func cast(
        topic: String, method: String, args: [String: JSONValue], context: RequestContext, version: String = "1.0",
        mandatory: Bool = false, deadline: Date
    ) async throws {
        var message = serializer.serializeContext(context).flattened()
        message["method"] = .string(method)
        message["args"] = .object(args.mapValues(serializer.serializeEntity))
        message["version"] = .string(version)
        message["_unique_id"] = .string(OsloRPCServer.newUniqueID())
        try await publisher.publish(
            AMQPOutgoingMessage(
                exchange: exchange, routingKey: topic, body: OsloEnvelope.encode(message), mandatory: mandatory),
            deadline: deadline)
    }
}
