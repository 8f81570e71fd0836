import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// Feeds systemd's watchdog only while the agent is really alive: the AMQP consumer thread keeps going round
/// its loop, and every registered async probe (e.g. the DB2 actor answering) returns in time. A stuck consumer
/// or actor stops the pings, and systemd restarts the agent. Nothing is judged before the agent is ready (its
/// consumer declared and consuming): systemd arms the watchdog only once `READY=1` came.
public struct HealthMonitor: Sendable {
    public typealias Probe = @Sendable () async -> Bool

    let notifier: SystemdNotifier
    let interval: Duration
    /// How old the consumer's last loop may be.
    let consumerStaleness: Duration
    let consumerLastLoop: @Sendable () -> UInt64
    let probes: [Probe]
    let isReady: @Sendable () -> Bool
    let logger: Logger

    public init(
        notifier: SystemdNotifier, watchdogTimeout: Duration, consumerLastLoop: @escaping @Sendable () -> UInt64,
        probes: [Probe], isReady: @escaping @Sendable () -> Bool = { true }, logger: Logger
    ) {
        self.notifier = notifier
        interval = watchdogTimeout / 3
        consumerStaleness = watchdogTimeout / 2
        self.consumerLastLoop = consumerLastLoop
        self.probes = probes
        self.isReady = isReady
        self.logger = logger
    }

    /// Runs until cancelled.
    public func run() async {
        var reported = false
        while !Task.isCancelled {
            if !isReady() {
                // Not started yet: a consumer that has not looped is not a stalled one.
            } else if await healthy() {
                notifier.send("WATCHDOG=1")
                if reported { logger.notice("healthy again; watchdog pings resumed") }
                reported = false
            } else if !reported {
                logger.error("not healthy: watchdog pings stopped, systemd will restart the agent")
                reported = true
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    func healthy() async -> Bool {
        let age = DispatchTime.now().uptimeNanoseconds &- consumerLastLoop()
        guard Duration.nanoseconds(Int64(clamping: age)) < consumerStaleness else { return false }
        for probe in probes {
            guard await withDeadline(consumerStaleness, probe) else { return false }
        }
        return true
    }

    /// Runs `probe`, counting it as failed if it does not answer within `limit`.
    private func withDeadline(_ limit: Duration, _ probe: @escaping Probe) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await probe() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? false
        }
    }
}
