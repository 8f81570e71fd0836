import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Synchronization

/// Fires once, when SIGTERM or SIGINT arrives or ``trigger(_:)`` is called: the agent then stops consuming and
/// winds down.
public final class ShutdownSignal: Sendable {
    private let state = Mutex<(fired: String?, waiters: [CheckedContinuation<String, Never>])>((nil, []))

    public init() {}

    /// Routes SIGTERM and SIGINT here (their default action, ending the process at once, is switched off).
    public func installSignalHandlers() {
        SignalHandlers.onSignal(SIGTERM) { [self] in trigger("SIGTERM") }
        SignalHandlers.onSignal(SIGINT) { [self] in trigger("SIGINT") }
    }

    public func trigger(_ reason: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<String, Never>] in
            guard state.fired == nil else { return [] }
            state.fired = reason
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// Waits until fired; returns the reason (`SIGTERM`, ...).
    public func wait() async -> String {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state -> String? in
                if let fired = state.fired { return fired }
                state.waiters.append(continuation)
                return nil
            }
            if let fired { continuation.resume(returning: fired) }
        }
    }
}
