#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// How often, and how patiently, a failed request is tried again: capped exponential back-off.
///
/// Only transient failures are retried (connection errors, timeouts, 5xx other than 507, 408, 429, and a segment
/// whose stored checksum differs from the one sent); and only the request that failed: an upload resumes at the
/// failed segment, never at the start.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts per request, the first included (1 = no retry).
    public var maxAttempts: Int
    /// Wait before the second attempt; doubled for each further one.
    public var initialBackoff: Duration
    /// Ceiling of the wait.
    public var maxBackoff: Duration

    public init(maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(8))
    {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The wait after failed attempt number `attempt` (1-based).
    public func delay(afterAttempt attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(1, attempt) {
            delay *= 2
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }

    func validate() throws(ObjectStorageError) {
        guard maxAttempts >= 1 else { throw .invalidConfiguration("retry attempts must be at least 1") }
        guard initialBackoff >= .zero, maxBackoff >= initialBackoff else {
            throw .invalidConfiguration("retry back-off must satisfy 0 <= initial <= max")
        }
    }
}
