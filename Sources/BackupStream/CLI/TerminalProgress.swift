import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Synchronization

/// A progress line on standard error (`packed 1.2 GiB, 150.3 MB/s`), rewritten in place at most twice a second,
/// and only when standard error is a terminal: logs and pipes stay clean.
public final class TerminalProgress: Sendable {
    private struct State {
        var lastPrint: ContinuousClock.Instant
        var printed = false
    }

    private let verb: String
    private let started = ContinuousClock.now
    private let enabled: Bool
    private let state: Mutex<State>

    /// - Parameter verb: what the line says is happening (`packed`, `read`).
    public init(verb: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.verb = verb
        self.enabled = enabled
        state = Mutex(State(lastPrint: started))
    }

    /// Reports `bytes` processed so far (and, when known, the bytes written).
    public func update(bytes: Int64, written: Int64? = nil) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool in
            guard now - state.lastPrint >= .milliseconds(500) else { return false }
            state.lastPrint = now
            state.printed = true
            return true
        }
        if due { print(bytes: bytes, written: written, at: now, end: "\r") }
    }

    /// Ends the line (when one was printed).
    public func finish(bytes: Int64, written: Int64? = nil) {
        guard enabled, state.withLock({ $0.printed }) else { return }
        print(bytes: bytes, written: written, at: .now, end: "\n")
    }

    private func print(bytes: Int64, written: Int64?, at now: ContinuousClock.Instant, end: String) {
        let elapsed = now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var line = "\(verb) \(ByteCountFormatting.bytes(bytes))"
        if let written { line += " → \(ByteCountFormatting.bytes(written))" }
        line += ", \(ByteCountFormatting.rate(bytes: bytes, seconds: seconds))\u{1b}[K" + end
        TextOutput.write(line)
    }
}
