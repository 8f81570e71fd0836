import Synchronization

/// What the spawning workers of a stress test did: how many commands they claimed and finished, the failures, the
/// slowest run.
final class SpawnTally: Sendable {
    private struct State {
        var claimed = 0
        var finished = 0
        var failures: [String] = []
        var slowest = Duration.zero
    }

    private let state = Mutex(State())

    /// Claims one more command; false once `limit` were claimed.
    func claim(upTo limit: Int) -> Bool {
        state.withLock { state in
            guard state.claimed < limit else { return false }
            state.claimed += 1
            return true
        }
    }

    func record(_ duration: Duration, failure: String?) {
        state.withLock { state in
            state.finished += 1
            state.slowest = max(state.slowest, duration)
            if let failure { state.failures.append(failure) }
        }
    }

    var finished: Int { state.withLock { $0.finished } }
    var failures: [String] { state.withLock { $0.failures } }
    var slowest: Duration { state.withLock { $0.slowest } }
}
