#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// How long, and how patiently, a failed request is tried again: a time budget with capped, jittered,
/// exponential back-off.
///
/// Only transient failures are retried (connection errors, timeouts, 5xx other than 507, 408, 429, and a segment
/// whose stored checksum differs from the one sent); and only the request that failed: an upload resumes at the
/// failed segment, never at the start. A request is tried again while less than ``budget`` has passed since its
/// first attempt began (a proxy restart or a short Swift outage is survived whatever the size of the backup), and
/// at most ``maxAttempts`` times.
public struct RetryPolicy: Sendable, Equatable {
    /// How long one request may keep being retried, from its first attempt.
    public var budget: Duration
    /// Attempts per request at most, the first included (1 = no retry).
    public var maxAttempts: Int
    /// Wait before the second attempt; doubled for each further one.
    public var initialBackoff: Duration
    /// Ceiling of the wait.
    public var maxBackoff: Duration
    /// Each wait is drawn between (1 − jitter) and 1 times the computed one, so that the segments of one upload
    /// (and several agents behind one proxy) do not retry in lock step.
    public var jitter: Double

    /// - Parameters:
    ///   - budget: Trove has no such setting; 60 s outlasts a proxy restart and Swift's own `node_timeout`s.
    public init(
        budget: Duration = .seconds(60), maxAttempts: Int = 1000, initialBackoff: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(8), jitter: Double = 0.25
    ) {
        self.budget = budget
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.jitter = jitter
    }

    /// The wait after failed attempt number `attempt` (1-based), before jitter.
    public func delay(afterAttempt attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(1, attempt) {
            delay *= 2
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }

    /// The wait after failed attempt `attempt`, jittered, or `nil` when no attempt may follow: the attempts are
    /// used up, or the wait would end past the budget (`elapsed` is the time since the first attempt began).
    public func nextDelay(afterAttempt attempt: Int, elapsed: Duration) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let base = delay(afterAttempt: attempt)
        let factor = 1 - jitter * Double.random(in: 0...1)
        let wait = base * factor
        return elapsed + wait < budget ? wait : nil
    }

    func validate() throws(ObjectStorageError) {
        guard maxAttempts >= 1 else { throw .invalidConfiguration("retry attempts must be at least 1") }
        guard budget >= .zero else { throw .invalidConfiguration("the retry budget must not be negative") }
        guard initialBackoff >= .zero, maxBackoff >= initialBackoff else {
            throw .invalidConfiguration("retry back-off must satisfy 0 <= initial <= max")
        }
        guard (0...1).contains(jitter) else { throw .invalidConfiguration("retry jitter must be between 0 and 1") }
    }
}
