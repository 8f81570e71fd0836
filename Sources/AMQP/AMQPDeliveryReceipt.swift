/// The right to take one delivery: acknowledging it tells the broker the receiver has it (oslo.messaging's
/// at-most-once: from then on it is never redelivered, even if handling it crashes the process).
///
/// Until it is taken, a delivery counts against the consumer's prefetch window: the broker keeps the rest of the
/// queue to itself, so a flood waits in the broker instead of in the agent's memory.
public struct AMQPDeliveryReceipt: Sendable {
    private let ledger: DeliveryLedger?
    private let generation: UInt64
    private let deliveryTag: UInt64

    init(ledger: DeliveryLedger, generation: UInt64, deliveryTag: UInt64) {
        self.ledger = ledger
        self.generation = generation
        self.deliveryTag = deliveryTag
    }

    private init() {
        ledger = nil
        generation = 0
        deliveryTag = 0
    }

    /// The receipt of a delivery that needs no acknowledgement (one built by hand, e.g. in a test).
    public static let unmanaged = AMQPDeliveryReceipt()

    /// Takes the delivery: the consumer thread acknowledges it shortly, on the connection it came on.
    ///
    /// - Returns: false when that connection is gone: the broker has requeued the delivery and sends it again,
    ///   so the receiver must drop this copy. Call it once per delivery.
    public func acknowledge() -> Bool {
        guard let ledger else { return true }
        return ledger.take(deliveryTag, generation: generation)
    }
}
