import AMQP
import AgentSupport
import FoundationEssentials

/// Queue options that must match what the control plane declares, or RabbitMQ answers 406 PRECONDITION_FAILED.
public struct OsloQueueOptions: Sendable, Equatable {
    /// `amqp_durable_queues`.
    public var durable: Bool
    /// `amqp_auto_delete`.
    public var autoDelete: Bool
    /// `rabbit_ha_queues`: adds `x-ha-policy: all`.
    public var haQueues: Bool
    /// `rabbit_quorum_queue`: `x-queue-type: quorum`, always durable.
    public var quorumQueues: Bool
    /// `rabbit_transient_queues_ttl` in seconds, for the fanout queue's `x-expires`.
    public var transientQueuesTTL: Int

    public init(
        durable: Bool = false, autoDelete: Bool = false, haQueues: Bool = false, quorumQueues: Bool = false,
        transientQueuesTTL: Int = 1800
    ) {
        self.durable = durable
        self.autoDelete = autoDelete
        self.haQueues = haQueues
        self.quorumQueues = quorumQueues
        self.transientQueuesTTL = transientQueuesTTL
    }
}

/// The exchanges and queues oslo.messaging declares, so the agent declares exactly the same.
public enum OsloTopology {
    /// What an oslo RPC server for `topic` / `server` listens on (reference §1.3): the topic queue, the server queue
    /// and a fanout queue, all on the control exchange (type topic) except the fanout one.
    public static func rpcServer(
        exchange: String, topic: String, server: String, options: OsloQueueOptions,
        fanoutSuffix: String = RandomIdentifier.hex128()
    ) -> AMQPTopology {
        let durable = options.durable || options.quorumQueues
        var arguments: AMQPTable = []
        if options.haQueues { arguments.append(("x-ha-policy", .string("all"))) }
        if options.quorumQueues { arguments.append(("x-queue-type", .string("quorum"))) }
        var fanoutArguments: AMQPTable = [("x-expires", .int(Int64(options.transientQueuesTTL) * 1000))]
        if options.haQueues { fanoutArguments.append(("x-ha-policy", .string("all"))) }
        let fanoutExchange = "\(topic)_fanout"
        return AMQPTopology(
            exchanges: [
                controlExchange(exchange, options: options),
                AMQPExchangeDeclaration(name: fanoutExchange, type: "fanout", durable: false, autoDelete: true),
            ],
            queues: [
                AMQPQueueDeclaration(
                    name: topic, durable: durable, autoDelete: options.autoDelete, arguments: arguments,
                    bindings: [(exchange, topic)]),
                AMQPQueueDeclaration(
                    name: "\(topic).\(server)", durable: durable, autoDelete: options.autoDelete, arguments: arguments,
                    bindings: [(exchange, "\(topic).\(server)")]),
                AMQPQueueDeclaration(
                    name: "\(fanoutExchange)_\(fanoutSuffix)", durable: false, autoDelete: false,
                    arguments: fanoutArguments, bindings: [(fanoutExchange, topic)]),
            ])
    }

    /// The control exchange alone (what a publisher declares before casting).
    public static func controlExchange(_ name: String, options: OsloQueueOptions) -> AMQPExchangeDeclaration {
        AMQPExchangeDeclaration(
            name: name, type: "topic", durable: options.durable || options.quorumQueues,
            autoDelete: options.autoDelete)
    }
}
