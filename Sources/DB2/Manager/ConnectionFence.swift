/// Keeps the agent's own connecting read-only jobs out of an offline backup's quiesce window.
///
/// While an instance is quiesced, the instance owner (SYSADM) may still connect (IBM, *QUIESCE command*), and a
/// connection that exists when the offline `BACKUP DATABASE` starts makes it fail with SQL1035N. Read-only jobs that
/// `CONNECT` (the authorities behind `list_users`, `get_user`, `list_access`; the size estimate) do not take the
/// state-change gate, so they could land in the window. The backup closes the fence before QUIESCE and waits for the
/// jobs already connecting to end; jobs arriving meanwhile wait until it opens again after UNQUIESCE.
///
/// Used only from the manager's actor (as ``OperationGate``): each waiter is registered in the same synchronous
/// step that found it had to wait. One closer at a time (offline backups hold the state-change gate).
struct ConnectionFence {
    private(set) var closed = false
    /// Connecting jobs running now.
    private var running = 0
    /// Jobs waiting for the fence to open.
    private var held: [CheckedContinuation<Void, Never>] = []
    /// The closer waiting for the running jobs to end.
    private var closer: CheckedContinuation<Void, Never>?

    var heldCount: Int { held.count }

    /// Counts a job in if the fence is open.
    mutating func tryEnter() -> Bool {
        guard !closed else { return false }
        running += 1
        return true
    }

    /// Queues a job until the fence opens; it is resumed counted in.
    mutating func hold(_ waiter: CheckedContinuation<Void, Never>) { held.append(waiter) }

    /// Counts a job out; the last one out lets a waiting closer go on.
    mutating func leave() {
        running -= 1
        if running == 0, let closer {
            self.closer = nil
            closer.resume()
        }
    }

    /// Closes the fence; true when no job runs (else wait with ``awaitDrained(_:)``).
    mutating func close() -> Bool {
        closed = true
        return running == 0
    }

    /// The closer waits for the running jobs to end.
    mutating func awaitDrained(_ waiter: CheckedContinuation<Void, Never>) { closer = waiter }

    /// Opens the fence and lets every held job in.
    mutating func open() {
        closed = false
        let waiting = held
        held = []
        running += waiting.count
        for waiter in waiting { waiter.resume() }
    }
}
