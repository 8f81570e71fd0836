import AMQP

/// A request read and checked on arrival, with its lane and the receipt that takes its delivery from the broker.
struct AdmittedRequest: Sendable {
    var request: RPCRequest
    var lane: RPCLane
    var receipt: AMQPDeliveryReceipt
}
