#if canImport(Glibc)
import Glibc
#endif

/// The CPU time the calling thread has used so far (`CLOCK_THREAD_CPUTIME_ID`): what a pipeline stage cost,
/// as opposed to the wall time it spent, which also counts waiting and being descheduled on a busy machine.
enum ThreadCPUClock {
    /// The calling thread's CPU time since it started (user and system).
    static func now() -> Duration {
        var spec = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec) == 0 else { return .zero }
        return .seconds(Int64(spec.tv_sec)) + .nanoseconds(Int64(spec.tv_nsec))
    }
}
