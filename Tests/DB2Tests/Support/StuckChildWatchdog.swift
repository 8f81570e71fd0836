import AgentSupport
import Foundation
import Synchronization
import TestSupport

/// Watches this process's children for one that never reaches `exec`: a child still running the test binary's
/// image `limit` seconds after it was first seen is stuck between fork and exec (e.g. in glibc's `setgroups`,
/// waiting for a thread that exists only in the parent). The watchdog kills it — which lets the spawn that waits for
/// its exec return, so the test fails instead of hanging — and counts it.
///
/// A child spawned by `posix_spawn` or a working fork/exec runs the test binary's image for microseconds; `limit`
/// is seconds.
final class StuckChildWatchdog: Sendable {
    let limit: Double
    private let stopping = Atomic<Bool>(false)
    private let killed = Mutex<[Int32]>([])
    private let ended = ConditionLock()
    /// Guarded by `ended`.
    nonisolated(unsafe) private var running = true

    init(limit: Double) {
        self.limit = limit
        DedicatedThread.start(name: "stuck-watchdog") { [self] in
            let ownImage = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            // (pid, start time in clock ticks) -> when first seen before exec.
            var firstSeen: [String: ContinuousClock.Instant] = [:]
            while !stopping.load(ordering: .relaxed) {
                let now = ContinuousClock.now
                var seen: Set<String> = []
                for (pid, start) in Self.children() {
                    let image = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
                    guard let image, image == ownImage else { continue }
                    let key = "\(pid)/\(start)"
                    seen.insert(key)
                    let since = firstSeen[key] ?? now
                    firstSeen[key] = since
                    if now - since > .seconds(limit), kill(pid, SIGKILL) == 0 {
                        killed.withLock { $0.append(pid) }
                    }
                }
                firstSeen = firstSeen.filter { seen.contains($0.key) }
                // A periodic check, not a synchronisation: `stop()` wakes it at once.
                ended.withLock { _ = ended.wait(seconds: 0.1) }
            }
            ended.withLock {
                running = false
                ended.broadcast()
            }
        }
    }

    /// The pids of the stuck children killed so far.
    var killedChildren: [Int32] { killed.withLock { $0 } }

    /// Stops watching and waits until the watchdog thread has ended.
    func stop() async {
        stopping.store(true, ordering: .relaxed)
        await onOwnThread("watchdog-stop") { [self] in
            ended.withLock {
                ended.broadcast()
                while running { ended.wait() }
            }
        }
    }

    /// This process's children: pid and start time (field 22 of `/proc/<pid>/stat`).
    private static func children() -> [(Int32, String)] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After "pid (comm)": state (field 3), ppid (4), ... starttime (22).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 19, Int32(fields[1]) == me else { return nil }
            return (pid, String(fields[19]))
        }
    }
}
