import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// A bounded hand-off between one producer thread, a few worker threads and one consumer thread that keeps
/// results in submission order: the producer submits jobs (or ready results), workers run the jobs, and the
/// consumer takes the results in the order they were submitted.
///
/// At most `window` items are between ``submit(_:)`` and ``next()`` at any time; the producer blocks beyond that,
/// which bounds memory whatever the stream's length. Any side can ``fail(_:)`` the queue: every blocked or later
/// call then throws that error, so the whole pipeline stops promptly. A job that throws fails the queue.
final class OrderedParallelQueue<Output: Sendable>: @unchecked Sendable {
    // @unchecked: every stored var is read and written only while holding `condition`.
    typealias Job = @Sendable () throws -> Output

    private let condition = ConditionLock()
    private var pending: [(sequence: Int, job: Job)] = []
    private var results: [Int: Output] = [:]
    private var submitted = 0
    private var consumed = 0
    private var finishedSubmitting = false
    private var failure: (any Error)?
    let window: Int

    init(window: Int) {
        precondition(window > 0, "the queue needs room for one item")
        self.window = window
    }

    /// Queues a job for the workers; blocks while `window` items are in flight.
    ///
    /// - Throws: the queue's failure.
    func submit(_ job: @escaping Job) throws {
        condition.lock()
        defer { condition.unlock() }
        let sequence = try reserveSlot()
        pending.append((sequence, job))
        condition.broadcast()
    }

    /// Queues an already computed result (it keeps its place in the order); blocks while the window is full.
    ///
    /// - Throws: the queue's failure.
    func submitResult(_ output: Output) throws {
        condition.lock()
        defer { condition.unlock() }
        let sequence = try reserveSlot()
        results[sequence] = output
        condition.broadcast()
    }

    /// No more submissions: once every result is taken, ``next()`` returns `nil` and the workers return.
    func finishSubmitting() {
        condition.lock()
        finishedSubmitting = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next result in submission order, waiting for it; `nil` after the last one.
    ///
    /// - Throws: the queue's failure (a job's error, or an error passed to ``fail(_:)``).
    func next() throws -> Output? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let failure { throw failure }
            if let output = results.removeValue(forKey: consumed) {
                consumed += 1
                condition.broadcast()
                return output
            }
            if finishedSubmitting && consumed == submitted { return nil }
            condition.wait()
        }
    }

    /// Fails the queue: every waiting and later call throws `error`. The first failure wins.
    func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        pending.removeAll()
        results.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Runs jobs until the queue is finished or failed; call it on each worker thread.
    ///
    /// - Returns: the wall time the worker spent waiting for a job.
    @discardableResult
    func runWorker() -> Duration {
        var waiting = Duration.zero
        while let (sequence, job) = takeJob(waiting: &waiting) {
            do {
                let output = try job()
                condition.lock()
                if failure == nil { results[sequence] = output }
                condition.broadcast()
                condition.unlock()
            } catch {
                fail(error)
                return waiting
            }
        }
        return waiting
    }

    /// The next job, waiting for one; adds the time spent blocked to `waiting`.
    private func takeJob(waiting: inout Duration) -> (Int, Job)? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if failure != nil { return nil }
            if !pending.isEmpty {
                return pending.removeFirst()  // at most `window` jobs: cheaper than a deque
            }
            if finishedSubmitting { return nil }
            let started = ContinuousClock.now
            condition.wait()
            waiting += ContinuousClock.now - started
        }
    }

    /// Called with the lock held.
    private func reserveSlot() throws -> Int {
        precondition(!finishedSubmitting, "submit after finishSubmitting")
        while submitted - consumed >= window, failure == nil { condition.wait() }
        if let failure { throw failure }
        submitted += 1
        return submitted - 1
    }
}
