import AgentSupport
import FoundationEssentials

/// A flag that a blocking thread checks, and can sleep on, so that stopping wakes it at once.
final class StopSignal: @unchecked Sendable {
    // @unchecked: `stopped` is read and written only while holding `condition`.
    private let condition = ConditionLock()
    private var stopped = false

    var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps up to `seconds`, calling `tick` about every half second (so a watchdog sees the thread alive);
    /// returns early (true) when stopped.
    @discardableResult
    func sleep(seconds: Double, tick: () -> Void = {}) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !stopped {
            let now = Date()
            if now >= deadline { break }
            tick()
            _ = condition.wait(until: min(deadline, now.addingTimeInterval(0.5)))
        }
        return stopped
    }
}
