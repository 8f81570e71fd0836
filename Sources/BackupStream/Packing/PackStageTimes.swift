/// Where a pack's time went, stage by stage: the CPU each stage used and the wall time it spent blocked on its
/// neighbours, so that a pack slower than its stages' costs allow shows which hand-off or stage holds it back.
///
/// Measured with one thread-CPU clock read and one monotonic clock read per block and stage (a few hundred
/// nanoseconds per MiB of tar stream).
public struct PackStageTimes: Sendable, Equatable {
    /// One thread of the pipeline.
    public struct Stage: Sendable, Equatable {
        /// The thread's wall time from start to end.
        public var wall: Duration = .zero
        /// CPU the thread used (user and system).
        public var cpu: Duration = .zero
        /// Wall time the thread spent blocked on a neighbour (see each stage for which).
        public var waiting: Duration = .zero
    }

    /// Walking the tree and reading files into blocks; `waiting` is time blocked because every slot of the
    /// queue to the compressors was taken (the compressors or the output are behind).
    public var tar = Stage()
    /// One entry per compression thread; `waiting` is time with no block to compress (tar is behind, or the
    /// window is full of blocks waiting for the output stage).
    public var deflate: [Stage] = []
    /// Encrypting and handing blocks to the sink, in order; `waiting` is time waiting for the next block in order.
    public var output = Stage()
    /// CPU of `output` spent encrypting.
    public var encryptCPU: Duration = .zero
    /// Wall time of `output` spent in the sink's `write` and `finish` (its own hashing, uploading or
    /// back-pressure).
    public var sinkWall: Duration = .zero

    public init() {}

    /// One line per stage, for a person reading a benchmark or a log.
    public var lines: [String] {
        func seconds(_ duration: Duration) -> String {
            let (whole, attoseconds) = duration.components
            let value = Double(whole) + Double(attoseconds) / 1e18
            return String(value.rounded(toPlaces: 2))
        }
        var lines = [
            "tar read      cpu \(seconds(tar.cpu)) s, wall \(seconds(tar.wall)) s, waiting for a free slot \(seconds(tar.waiting)) s"
        ]
        for (index, stage) in deflate.enumerated() {
            lines.append(
                "deflate \(index)     cpu \(seconds(stage.cpu)) s, wall \(seconds(stage.wall)) s, waiting for a block \(seconds(stage.waiting)) s")
        }
        lines.append(
            "output        cpu \(seconds(output.cpu)) s (encrypt \(seconds(encryptCPU)) s), wall \(seconds(output.wall)) s, in the sink \(seconds(sinkWall)) s, waiting for the next block \(seconds(output.waiting)) s")
        return lines
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
