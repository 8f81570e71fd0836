/// An exchange to declare.
public struct AMQPExchangeDeclaration: Sendable, Equatable {
    public var name: String
    /// `topic`, `fanout`, `direct`.
    public var type: String
    public var durable: Bool
    public var autoDelete: Bool

    public init(name: String, type: String, durable: Bool, autoDelete: Bool) {
        self.name = name
        self.type = type
        self.durable = durable
        self.autoDelete = autoDelete
    }
}

/// A queue to declare, bind and consume from.
public struct AMQPQueueDeclaration: Sendable, Equatable {
    public var name: String
    public var durable: Bool
    public var autoDelete: Bool
    public var arguments: AMQPTable
    /// (exchange, routing key) pairs.
    public var bindings: [(exchange: String, routingKey: String)]

    public init(
        name: String, durable: Bool, autoDelete: Bool, arguments: AMQPTable = [],
        bindings: [(exchange: String, routingKey: String)]
    ) {
        self.name = name
        self.durable = durable
        self.autoDelete = autoDelete
        self.arguments = arguments
        self.bindings = bindings
    }

    public static func == (lhs: AMQPQueueDeclaration, rhs: AMQPQueueDeclaration) -> Bool {
        lhs.name == rhs.name && lhs.durable == rhs.durable && lhs.autoDelete == rhs.autoDelete
            && lhs.arguments.map(\.0) == rhs.arguments.map(\.0) && lhs.arguments.map(\.1) == rhs.arguments.map(\.1)
            && lhs.bindings.map(\.exchange) == rhs.bindings.map(\.exchange)
            && lhs.bindings.map(\.routingKey) == rhs.bindings.map(\.routingKey)
    }
}

/// Everything a connection declares after it opens, and again after every reconnect (a broker restart loses
/// non-durable exchanges and queues).
public struct AMQPTopology: Sendable, Equatable {
    public var exchanges: [AMQPExchangeDeclaration]
    /// Declared, bound, and (for a consumer) consumed from, in this order.
    public var queues: [AMQPQueueDeclaration]

    public init(exchanges: [AMQPExchangeDeclaration] = [], queues: [AMQPQueueDeclaration] = []) {
        self.exchanges = exchanges
        self.queues = queues
    }
}
