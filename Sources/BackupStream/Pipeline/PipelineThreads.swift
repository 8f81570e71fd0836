import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Runs the stages of a pipeline, each on its own thread (``AgentSupport/DedicatedThread``, never the
/// cooperative pool), and waits for all of them from async code.
///
/// The first stage to fail decides the error: `onFailure` is called with it at once (to fail the queues, so the
/// other stages stop promptly), and ``run()`` throws it after every stage has returned. Cancelling the awaiting
/// task fails the pipeline with `CancellationError`.
final class PipelineThreads: @unchecked Sendable {
    // @unchecked: `firstError`, `remaining` and `continuation` are guarded by `lock`; the other stored properties
    // are immutable after init or only touched before `run()` starts the threads.
    private let lock = ConditionLock()
    private var stages: [(name: String, body: @Sendable () throws -> Void)] = []
    private var firstError: (any Error)?
    private var remaining = 0
    private var continuation: CheckedContinuation<Void, any Error>?
    private let onFailure: @Sendable (any Error) -> Void

    init(onFailure: @escaping @Sendable (any Error) -> Void) {
        self.onFailure = onFailure
    }

    /// Adds a stage; `name` names its thread (15 bytes show in `top -H`).
    func addStage(_ name: String, _ body: @escaping @Sendable () throws -> Void) {
        stages.append((name, body))
    }

    /// Starts every stage and returns when all have returned.
    ///
    /// - Throws: the first stage's error, or `CancellationError` when the task was cancelled.
    func run() async throws {
        let stages = self.stages
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lock.lock()
                self.continuation = continuation
                remaining = stages.count
                lock.unlock()
                for stage in stages {
                    DedicatedThread.start(name: stage.name) { [self] in
                        do {
                            try stage.body()
                            stageEnded(nil)
                        } catch {
                            stageEnded(error)
                        }
                    }
                }
            }
        } onCancel: {
            recordFailure(CancellationError())
        }
    }

    private func stageEnded(_ error: (any Error)?) {
        if let error { recordFailure(error) }
        lock.lock()
        remaining -= 1
        let done = remaining == 0
        let error = firstError
        let continuation = done ? self.continuation : nil
        if done { self.continuation = nil }
        lock.unlock()
        if let continuation {
            if let error { continuation.resume(throwing: error) } else { continuation.resume() }
        }
    }

    private func recordFailure(_ error: any Error) {
        lock.lock()
        let isFirst = firstError == nil
        if isFirst { firstError = error }
        lock.unlock()
        if isFirst { onFailure(error) }
    }
}
