import Synchronization

/// What the consumer thread has handed on and what its receivers took: the bridge between the receivers (any task)
/// and the consumer thread, the only one that may talk to the connection.
///
/// A delivery is acknowledged when its receiver takes it (``AMQPDeliveryReceipt/acknowledge()``), on the connection
/// it came on. Until then it counts against the broker's prefetch window, so the broker sends no more than the
/// receivers can hold; if the connection goes first, the broker requeues it.
final class DeliveryLedger: Sendable {
    private struct State {
        /// Counts connections: a delivery can be acknowledged only on the connection it came on.
        var generation: UInt64 = 0
        var open = false
        /// Deliveries handed on that are neither taken nor lost with their connection.
        var outstanding = 0
        /// Delivery tags taken by their receivers, for the consumer thread to acknowledge.
        var taken: [UInt64] = []
    }

    private let state = Mutex(State())

    /// A new connection consumes: returns its generation.
    func open() -> UInt64 {
        state.withLock { state in
            state.generation += 1
            state.open = true
            state.outstanding = 0
            state.taken = []
            return state.generation
        }
    }

    /// The connection is closing or gone: nothing more can be taken. Returns the tags taken and not yet
    /// acknowledged (a closing connection still sends them; a failed one cannot, and the broker redelivers them).
    func close() -> [UInt64] {
        state.withLock { state in
            state.open = false
            state.outstanding = 0
            defer { state.taken = [] }
            return state.taken
        }
    }

    /// One more delivery handed on.
    func handedOn() { state.withLock { $0.outstanding += 1 } }

    /// Whether handed-on deliveries wait to be taken (an acknowledgement may then come at any moment).
    var hasOutstanding: Bool { state.withLock { $0.outstanding > 0 } }

    /// A receiver takes delivery `tag` of connection `generation`: false when that connection is gone.
    func take(_ tag: UInt64, generation: UInt64) -> Bool {
        state.withLock { state in
            guard state.open, state.generation == generation else { return false }
            state.outstanding -= 1
            state.taken.append(tag)
            return true
        }
    }

    /// The tags taken since the last call, to acknowledge now.
    func takeAcknowledgements() -> [UInt64] {
        state.withLock { state in
            defer { state.taken = [] }
            return state.taken
        }
    }
}
