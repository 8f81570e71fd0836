/// The basic properties the agent reads and writes (oslo.messaging uses no others).
public struct AMQPMessageProperties: Sendable, Equatable {
    public var contentType: String?
    public var contentEncoding: String?
    /// 2 = persistent, as kombu publishes.
    public var deliveryMode: UInt8?
    public var priority: UInt8?
    /// Milliseconds, as a decimal string (oslo sets it on calls: the call timeout).
    public var expiration: String?
    public var correlationID: String?
    public var replyTo: String?

    public init(
        contentType: String? = nil, contentEncoding: String? = nil, deliveryMode: UInt8? = nil,
        priority: UInt8? = nil, expiration: String? = nil, correlationID: String? = nil, replyTo: String? = nil
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.deliveryMode = deliveryMode
        self.priority = priority
        self.expiration = expiration
        self.correlationID = correlationID
        self.replyTo = replyTo
    }

    /// What oslo.messaging (kombu) sets on every message it publishes.
    public static let osloJSON = AMQPMessageProperties(
        contentType: "application/json", contentEncoding: "utf-8", deliveryMode: 2, priority: 0)
}

/// A message received from a queue; the bytes are owned by Swift (copied out of librabbitmq's buffers).
public struct AMQPDelivery: Sendable {
    public var body: [UInt8]
    public var exchange: String
    public var routingKey: String
    public var consumerTag: String
    public var deliveryTag: UInt64
    public var redelivered: Bool
    public var properties: AMQPMessageProperties
    /// How the receiver takes it (see ``AMQPConsumer``).
    public var receipt: AMQPDeliveryReceipt

    public init(
        body: [UInt8], exchange: String, routingKey: String, consumerTag: String, deliveryTag: UInt64,
        redelivered: Bool, properties: AMQPMessageProperties, receipt: AMQPDeliveryReceipt = .unmanaged
    ) {
        self.body = body
        self.exchange = exchange
        self.routingKey = routingKey
        self.consumerTag = consumerTag
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.properties = properties
        self.receipt = receipt
    }
}

/// A `mandatory` message the broker could not route to any queue and sent back (`basic.return`).
public struct AMQPReturnedMessage: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    /// 312 NO_ROUTE when nothing is bound.
    public var code: UInt16
    public var text: String

    public init(exchange: String, routingKey: String, code: UInt16, text: String) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.code = code
        self.text = text
    }
}

/// A message to publish.
public struct AMQPOutgoingMessage: Sendable {
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var properties: AMQPMessageProperties
    /// Ask the broker to return the message when no queue takes it: the publish then fails with
    /// ``AMQPError/unroutable(exchange:routingKey:code:text:)`` instead of vanishing.
    public var mandatory: Bool

    public init(
        exchange: String, routingKey: String, body: [UInt8], properties: AMQPMessageProperties = .osloJSON,
        mandatory: Bool = false
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
    }
}
