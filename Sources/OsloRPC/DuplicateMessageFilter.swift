import Synchronization

/// Remembers the last `capacity` `_unique_id`s, so a message delivered twice is handled once
/// (oslo.messaging's `_MsgIdCache`, which keeps 16).
public final class DuplicateMessageFilter: Sendable {
    private struct State {
        var order: [String] = []
        var seen: Set<String> = []
    }

    private let state = Mutex(State())
    public let capacity: Int

    public init(capacity: Int = 64) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Records `id`; returns false when it was already seen.
    public func isFirstSighting(_ id: String) -> Bool {
        state.withLock { state in
            guard state.seen.insert(id).inserted else { return false }
            state.order.append(id)
            if state.order.count > capacity { state.seen.remove(state.order.removeFirst()) }
            return true
        }
    }
}
