import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Synchronization

/// Progress of a long backup or restore: one or more lanes running at once (a database being backed up while
/// the previous image uploads), each with bytes done, an expected total when known, a rate and an ETA.
///
/// ``run()`` logs every lane at least every `interval` (and keeps the ``ActivityReporting`` status current) until cancelled;
/// lanes are fed from any thread.
final class OperationProgress: Sendable {
    /// One activity being measured.
    struct Lane: Sendable {
        var label: String
        var doneBytes: Int64 = 0
        var totalBytes: Int64?
        var started = ContinuousClock.now
        /// Measures `doneBytes` at each tick (e.g. the size of an image being written), when set.
        var measure: (@Sendable () -> Int64)?
    }

    private let operation: String
    private let logger: Logger
    private let activity: (any ActivityReporting)?
    private let interval: Duration
    private let lanes = Mutex<[(key: String, lane: Lane)]>([])

    /// - Parameter operation: what is running, for log lines and the status line (`online backup 3f2c1a2b`).
    init(operation: String, logger: Logger, activity: (any ActivityReporting)?, interval: Duration) {
        self.operation = operation
        self.logger = logger
        self.activity = activity
        self.interval = interval
    }

    /// Starts (or restarts) lane `key`.
    func begin(_ key: String, label: String, totalBytes: Int64? = nil, measure: (@Sendable () -> Int64)? = nil) {
        let lane = Lane(label: label, totalBytes: totalBytes, measure: measure)
        lanes.withLock { lanes in
            if let index = lanes.firstIndex(where: { $0.key == key }) { lanes[index].lane = lane } else {
                lanes.append((key, lane))
            }
        }
        logger.info("\(operation): \(label)")
        publishActivity()
    }

    /// Sets lane `key`'s bytes done (and its total, when given).
    func update(_ key: String, doneBytes: Int64, totalBytes: Int64? = nil) {
        lanes.withLock { lanes in
            guard let index = lanes.firstIndex(where: { $0.key == key }) else { return }
            lanes[index].lane.doneBytes = doneBytes
            if let totalBytes { lanes[index].lane.totalBytes = totalBytes }
        }
    }

    /// Adds `bytes` to lane `key`'s expected total (the stream grows as images arrive).
    func addToTotal(_ key: String, bytes: Int64) {
        lanes.withLock { lanes in
            guard let index = lanes.firstIndex(where: { $0.key == key }) else { return }
            lanes[index].lane.totalBytes = (lanes[index].lane.totalBytes ?? 0) + bytes
        }
    }

    /// Whether lane `key` is running.
    func has(_ key: String) -> Bool { lanes.withLock { $0.contains { $0.key == key } } }

    /// Ends lane `key`.
    func end(_ key: String) {
        lanes.withLock { $0.removeAll { $0.key == key } }
        publishActivity()
    }

    /// Logs each lane every `interval` until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            for line in tick() {
                logger.info(
                    "\(operation) progress: \(line.text)",
                    metadata: [
                        "progress.phase": "\(line.label)", "progress.bytes": "\(line.done)",
                        "progress.total": "\(line.total.map(String.init) ?? "unknown")",
                        "progress.rate_mb_s": "\(line.rate)", "progress.eta_s": "\(line.eta.map { String(Int($0)) } ?? "unknown")",
                    ])
            }
            publishActivity()
        }
    }

    /// The status line: the operation and its lanes, short.
    var statusLine: String {
        let parts = lanes.withLock { $0.map(\.lane) }.map { lane -> String in
            var text = lane.label
            if let total = lane.totalBytes, total > 0 {
                text += " \(min(100, Int(Double(lane.doneBytes) * 100 / Double(total))))%"
            }
            return text
        }
        return parts.isEmpty ? operation : "\(operation): " + parts.joined(separator: "; ")
    }

    struct Line {
        var label: String
        var done: Int64
        var total: Int64?
        var rate: Double
        var eta: Double?
        var text: String
    }

    /// Measures every lane and describes it.
    func tick() -> [Line] {
        let current = lanes.withLock { $0 }
        var lines: [Line] = []
        for (key, var lane) in current {
            if let measure = lane.measure {
                lane.doneBytes = measure()
                update(key, doneBytes: lane.doneBytes)
            }
            let elapsed = max((ContinuousClock.now - lane.started).seconds, 0.001)
            let rate = Double(lane.doneBytes) / elapsed / 1_000_000
            var eta: Double?
            if let total = lane.totalBytes, rate > 0 { eta = max(0, Double(total - lane.doneBytes) / (rate * 1_000_000)) }
            var text = "\(lane.label): "
            if lane.totalBytes != nil || lane.measure != nil || lane.doneBytes > 0 {
                text += ByteCountFormatting.bytes(lane.doneBytes)
                if let total = lane.totalBytes { text += " of ~\(ByteCountFormatting.bytes(total))" }
                text += ", \(ByteCountFormatting.rate(bytes: lane.doneBytes, seconds: elapsed)), "
            }
            text += "\(Int(elapsed)) s elapsed"
            if let eta { text += ", ETA \(Int(eta.rounded())) s" }
            lines.append(
                Line(label: lane.label, done: lane.doneBytes, total: lane.totalBytes, rate: rate, eta: eta, text: text))
        }
        return lines
    }

    private func publishActivity() { activity?.set(statusLine) }
}
