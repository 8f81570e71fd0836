import AgentSupport
import Foundation
import Synchronization
import TestSupport

/// Threads that create and join short-lived threads as fast as they can, until stopped: a process in which some
/// thread is inside `pthread_create` (holding glibc's stack-cache lock, its new thread's `setxid_futex` at -1) at
/// almost any instant — the agent's state while its pools, DB2 jobs and the test runner start threads.
final class ThreadChurn: Sendable {
    private let running = Atomic<Bool>(true)
    private let created = Atomic<Int>(0)
    private let ended = ConditionLock()
    /// Guarded by `ended`.
    nonisolated(unsafe) private var live: Int

    /// Starts `threads` churning threads.
    init(threads: Int) {
        live = threads
        for index in 0..<threads {
            DedicatedThread.start(name: "churn-\(index)") { [self] in
                while running.load(ordering: .relaxed) {
                    var thread = pthread_t()
                    guard pthread_create(&thread, nil, { _ in nil }, nil) == 0 else { continue }
                    pthread_join(thread, nil)
                    created.add(1, ordering: .relaxed)
                }
                ended.withLock {
                    live -= 1
                    ended.broadcast()
                }
            }
        }
    }

    /// How many threads were created (and joined) so far.
    var threadsCreated: Int { created.load(ordering: .relaxed) }

    /// Stops churning and waits until every churning thread has ended.
    func stop() async {
        running.store(false, ordering: .relaxed)
        await onOwnThread("churn-stop") { [self] in
            ended.withLock { while live > 0 { ended.wait() } }
        }
    }
}
