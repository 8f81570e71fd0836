/// Measures one pipeline thread from its creation to ``stage(waiting:)``: wall time and the thread's CPU time.
/// Create it on the thread it measures.
struct StageMeter {
    private let startedWall = ContinuousClock.now
    private let startedCPU = ThreadCPUClock.now()

    /// The stage so far, with `waiting` (measured by the stage around its blocking calls).
    func stage(waiting: Duration) -> PackStageTimes.Stage {
        PackStageTimes.Stage(
            wall: ContinuousClock.now - startedWall, cpu: ThreadCPUClock.now() - startedCPU, waiting: waiting)
    }
}
