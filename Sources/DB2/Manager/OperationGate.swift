/// A first-come first-served lock for async work: the DB2 manager's state changes run one at a time, while
/// read-only queries never take it.
///
/// Not reentrant. Used only from the manager's actor, which guards its state: a waiter is registered in the same
/// synchronous step that found the gate busy, so no hand-over is missed.
struct OperationGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Takes the gate if it is free.
    mutating func tryAcquire() -> Bool {
        guard !busy else { return false }
        busy = true
        return true
    }

    /// Queues a waiter; it is resumed holding the gate.
    mutating func enqueue(_ waiter: CheckedContinuation<Void, Never>) { waiters.append(waiter) }

    /// Hands the gate to the next waiter, or frees it.
    mutating func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
