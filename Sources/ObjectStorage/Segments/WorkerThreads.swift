import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport

/// Threads started for the segments of one transfer, and a way to wait until all of them have ended.
///
/// Segment transfers block on each other (a download waits for the sink, an upload for the stream), so they get
/// threads of their own rather than ``BlockingThreadPool`` slots that the stream's other stages may need.
final class WorkerThreads: Sendable {
    private let running = Counter()

    /// Starts `body` on a new thread named `name`.
    func spawn(name: String, _ body: @escaping @Sendable () -> Void) {
        running.increment()
        DedicatedThread.start(name: name) { [running] in
            body()
            running.decrement()
        }
    }

    /// Blocks until every spawned body has returned.
    func waitForAll() { running.waitForZero() }

    /// `@unchecked Sendable`: `count` is read and written only while holding `condition`.
    private final class Counter: @unchecked Sendable {
        private let condition = ConditionLock()
        private var count = 0

        func increment() { condition.withLock { count += 1 } }

        func decrement() {
            condition.withLock {
                count -= 1
                condition.broadcast()
            }
        }

        func waitForZero() {
            condition.withLock {
                while count > 0 { condition.wait() }
            }
        }
    }
}

/// Runs blocking `body` on a thread of its own and returns its result to the awaiting task. `body` gets a fresh
/// abort signal to watch (and to give its transfers), aborted when the awaiting task is cancelled.
func runBlocking<T: Sendable>(
    name: String,
    _ body: @escaping @Sendable (TransferAbortSignal) throws -> T
) async throws -> T {
    let abort = TransferAbortSignal()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            DedicatedThread.start(name: name) { continuation.resume(with: Result { try body(abort) }) }
        }
    } onCancel: {
        abort.abort(reason: "cancelled")
    }
}
