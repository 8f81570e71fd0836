import Dispatch
import Foundation
import Synchronization

/// Fires once, when SIGTERM or SIGINT arrives or ``trigger(_:)`` is called: the agent then stops consuming and
/// winds down.
public final class ShutdownSignal: Sendable {
    private let state = Mutex<(fired: String?, waiters: [CheckedContinuation<String, Never>])>((nil, []))
    /// Dispatch sources are thread-safe objects that Swift does not mark `Sendable`; they are only kept alive here.
    private struct SourceBox: @unchecked Sendable { let source: any DispatchSourceSignal }
    private let sources = Mutex<[SourceBox]>([])

    public init() {}

    /// Routes SIGTERM and SIGINT here (their default action, ending the process at once, is switched off).
    public func installSignalHandlers() {
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            let name = signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"
            source.setEventHandler { [self] in trigger(name) }
            source.resume()
            let box = SourceBox(source: source)
            sources.withLock { $0.append(box) }
        }
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
