#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// A mutex with a condition variable, for threads that must sleep until something changes (a job queued, a
/// chunk written). Timed waits use the monotonic clock, so a wall-clock step never makes a wait end early or late.
///
/// `@unchecked Sendable`: the pthread objects live at stable heap addresses and pthreads makes them safe to use
/// from any thread; the state they guard is the owner's responsibility (accessed only while locked).
public final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` holding the lock.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Releases the lock, sleeps until signalled, takes the lock again. Call with the lock held, in a loop that
    /// re-checks the condition (wake-ups can be spurious).
    public func wait() { pthread_cond_wait(condition, mutex) }

    /// Like ``wait()`` but gives up after `seconds`; false when the time ran out.
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        guard seconds > 0 else { return false }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let whole = Int(seconds)
        var nanoseconds = now.tv_nsec + Int((seconds - Double(whole)) * 1_000_000_000)
        var deadline = timespec(tv_sec: now.tv_sec + whole, tv_nsec: 0)
        if nanoseconds >= 1_000_000_000 {
            deadline.tv_sec += 1
            nanoseconds -= 1_000_000_000
        }
        deadline.tv_nsec = nanoseconds
        return pthread_cond_timedwait(condition, mutex, &deadline) != ETIMEDOUT
    }

    /// Like ``wait()`` but gives up at `deadline`; false when it passed.
    @discardableResult
    public func wait(until deadline: Date) -> Bool { wait(seconds: deadline.timeIntervalSinceNow) }

    public func signal() { pthread_cond_signal(condition) }
    public func broadcast() { pthread_cond_broadcast(condition) }
}
