#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport

/// Runs one request with the time budget and back-off of a ``RetryPolicy``, retrying transient failures only, and
/// reporting each retry as a ``StorageEvent/retrying(object:attempt:delay:reason:)``.
struct RetryLoop: Sendable {
    let policy: RetryPolicy
    let progress: @Sendable (StorageEvent) -> Void
    /// When set, a back-off wait ends early with ``ObjectStorageError/cancelled``.
    let abort: TransferAbortSignal?

    /// Calls `body` with the attempt number (from 1) until it succeeds, fails permanently, or the policy's budget
    /// (or attempts) are used up; then rethrows its last error.
    @discardableResult
    func run<T>(object: String, _ body: (_ attempt: Int) throws -> T) throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        var attempt = 1
        while true {
            do {
                return try body(attempt)
            } catch let error as ObjectStorageError where error.isTransient {
                if abort?.isAborted == true { throw error }
                guard let delay = policy.nextDelay(afterAttempt: attempt, elapsed: clock.now - start) else { throw error }
                attempt += 1
                progress(.retrying(object: object, attempt: attempt, delay: delay, reason: "\(error)"))
                try backOff(delay)
            }
        }
    }

    /// Waits `delay` in short slices so that an abort ends the wait promptly. A back-off, not a synchronisation.
    private func backOff(_ delay: Duration) throws(ObjectStorageError) {
        let clock = ContinuousClock()
        let deadline = clock.now + delay
        while clock.now < deadline {
            if abort?.isAborted == true { throw .cancelled }
            let slice = min(deadline - clock.now, .milliseconds(50))
            let nanoseconds = slice.components.seconds * 1_000_000_000 + slice.components.attoseconds / 1_000_000_000
            var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
            var remaining = timespec()
            _ = nanosleep(&request, &remaining)
        }
    }
}
