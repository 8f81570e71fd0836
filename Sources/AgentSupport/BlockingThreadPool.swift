#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A fixed set of OS threads for blocking work (file I/O, zlib, libcurl transfers, `waitpid`), so that blocking
/// calls never occupy Swift's cooperative thread pool.
///
/// ```swift
/// let data = try await BlockingThreadPool.shared.run { try Data(contentsOf: url) }
/// ```
///
/// Jobs run in submission order on whichever thread is free. A job that never returns keeps its thread for ever:
/// give long-lived loops (an AMQP connection) a ``DedicatedThread`` instead.
public final class BlockingThreadPool: Sendable {
    /// The process-wide pool: one thread per core, at least four (blocking I/O waits more than it computes).
    public static let shared = BlockingThreadPool(
        name: "blocking",
        threadCount: max(4, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    )

    private typealias Job = @Sendable () -> Void

    /// A condition lock rather than `Mutex`: worker threads must sleep until a job arrives.
    private let condition = ConditionLock()
    /// Guarded by `condition`; `nonisolated(unsafe)` because the compiler cannot see that lock.
    nonisolated(unsafe) private var jobs: [Job] = []
    public let threadCount: Int

    /// Starts `threadCount` threads named `<name>-<n>`. They live as long as the process.
    public init(name: String, threadCount: Int) {
        precondition(threadCount > 0, "a thread pool needs at least one thread")
        self.threadCount = threadCount
        for index in 0..<threadCount {
            DedicatedThread.start(name: "\(name)-\(index)") { [self] in self.workLoop() }
        }
    }

    /// Runs `body` on one of the pool's threads and returns its result to the awaiting task.
    ///
    /// Cancellation of the awaiting task does not interrupt `body`; blocking code that should stop early must
    /// poll a flag of its own.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Non-throwing form of ``run(_:)``.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            submit { continuation.resume(returning: body()) }
        }
    }

    /// Queues `job` without waiting for it.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func workLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
