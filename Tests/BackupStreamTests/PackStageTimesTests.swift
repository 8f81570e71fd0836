import AgentSupport
import BackupStream
import Foundation
import Synchronization
import TestSupport
import Testing

/// The pack summary's stage accounting: every stage of the pipeline is there and holds the time it spent.
@Suite struct PackStageTimesTests {
    @Test func everyStageReportsItsCPUAndTheSinkItsWallTime() async throws {
        try await withTemporaryDirectory { base in
            let source = try Fixtures.makeTree(at: base.appendingPathComponent("source"))
            var options = try StreamTesting.packOptions()
            options.parallelism = 2
            // A slow sink: the tar stage, which reads a 128 KiB block in far less than 5 ms, fills the window and
            // must wait for free slots.
            let sink = SlowSink(busyPerWrite: .milliseconds(5))
            let summary = try await BackupPacker(options: options, logger: StreamTesting.logger)
                .pack(directory: source, into: sink)
            let stages = summary.stages
            #expect(stages.deflate.count == 2)
            #expect(stages.tar.cpu > .zero)
            #expect(stages.deflate.reduce(Duration.zero) { $0 + $1.cpu } > .zero)
            #expect(stages.encryptCPU > .zero)
            #expect(stages.output.cpu >= stages.encryptCPU)
            #expect(stages.sinkWall >= sink.busy)
            #expect(sink.busy >= .milliseconds(5))
            #expect(stages.tar.waiting > .zero)
            for stage in [stages.tar, stages.output] + stages.deflate {
                #expect(stage.waiting <= stage.wall)
                #expect(stage.wall <= summary.elapsed)
            }
            #expect(stages.lines.count == 2 + 2)
        }
    }
}

/// A sink that keeps the writing thread busy (spinning on the clock, not sleeping) for a while on every write,
/// and adds up how long its writes took.
final class SlowSink: ByteSink {
    private let busyPerWrite: Duration
    private let total = Mutex(Duration.zero)

    init(busyPerWrite: Duration) { self.busyPerWrite = busyPerWrite }

    func write(_ chunk: [UInt8]) throws {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < busyPerWrite {}
        let took = ContinuousClock.now - started
        total.withLock { $0 += took }
    }

    func finish() throws {}

    /// Wall time spent in `write` so far.
    var busy: Duration { total.withLock { $0 } }
}
