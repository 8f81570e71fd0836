import AgentSupport
import AMQP
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC

/// Delivers the backups' `update_backup` casts to the conductor one after the other, in the order they were made,
/// each until the broker has it, so that a report is delivered, not just published.
///
/// A final report (`COMPLETED`, `FAILED`) goes out `mandatory`: with Trove's default non-durable queues a broker
/// restart removes the conductor's queue until the conductor declares it again, and a cast published meanwhile is
/// confirmed by the broker and routed nowhere. The broker's `basic.return` (312 NO_ROUTE) says so, and the report
/// is sent again with capped, jittered back-off until a queue takes it, for at most `timeout` (its journal record
/// keeps it across restarts meanwhile). It keeps the `sent` it was given when it was made: the conductor drops a
/// message whose `sent` is not newer than the last one it stored, so a copy that did arrive is never applied twice,
/// and the order here keeps every later report newer. `BUILDING` is informational and sent once.
actor BackupReportOutbox {
    struct Report: Sendable {
        let backupID: String
        let fields: [String: JSONValue]
        let context: RequestContext
        let sent: Double
        /// Final reports must reach a queue; `BUILDING` need not.
        let mustArrive: Bool
        /// Runs once the broker took it (e.g. marks the journal record).
        let onDelivered: @Sendable () async -> Void
    }

    private struct Queued {
        let number: Int
        let report: Report
        let queuedAt: ContinuousClock.Instant
    }

    private let conductor: ConductorClient
    private let logger: Logger
    private let timeout: Duration
    private let attemptDeadline: Duration
    private let initialBackoff: Duration
    private let maxBackoff: Duration
    private var queue: [Queued] = []
    private var nextNumber = 0
    private var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    private var worker: Task<Void, Never>?

    /// - Parameters:
    ///   - timeout: how long a final report keeps being sent again (`conductor_report_timeout`).
    ///   - attemptDeadline: how long one attempt may wait for the broker (across reconnects).
    init(
        conductor: ConductorClient, logger: Logger, timeout: Duration, attemptDeadline: Duration = .seconds(30),
        initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(30)
    ) {
        self.conductor = conductor
        self.logger = logger
        self.timeout = timeout
        self.attemptDeadline = attemptDeadline
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// A `sent` for a report made now (newer than every message sent so far).
    func reserveSent() async -> Double { await conductor.reserveSent() }

    /// Queues `report` behind the reports before it, and waits up to `wait` for the broker to take it.
    ///
    /// - Returns: whether it was delivered within `wait`; otherwise it is still delivered in the background.
    @discardableResult
    func send(_ report: Report, waitingUpTo wait: Duration) async -> Bool {
        let number = nextNumber
        nextNumber += 1
        queue.append(Queued(number: number, report: report, queuedAt: .now))
        startWorker()
        guard wait > .zero else { return false }
        return await withCheckedContinuation { continuation in
            waiters[number] = continuation
            Task { [weak self] in
                try? await Task.sleep(for: wait)
                await self?.resume(number, with: false)
            }
        }
    }

    /// Reports still waiting to be delivered.
    var pendingCount: Int { queue.count }

    /// Stops sending (at shutdown). What was not delivered stays in the journal for the next start.
    func stop() {
        worker?.cancel()
        worker = nil
        for number in Array(waiters.keys) { resume(number, with: false) }
    }

    private func resume(_ number: Int, with delivered: Bool) {
        waiters.removeValue(forKey: number)?.resume(returning: delivered)
    }

    private func startWorker() {
        guard worker == nil else { return }
        worker = Task { await self.deliverAll() }
    }

    private func deliverAll() async {
        var attempt = 0
        while let head = queue.first, !Task.isCancelled {
            let report = head.report
            do {
                try await conductor.updateBackup(
                    backupID: report.backupID, fields: report.fields, context: report.context, sent: report.sent,
                    mandatory: report.mustArrive, deadline: Date().addingTimeInterval(attemptDeadline.seconds))
                if attempt > 0 {
                    logger.notice(
                        "update_backup delivered after \(attempt + 1) attempts",
                        metadata: ["backup_id": "\(report.backupID)", "backup.state": "\(Self.state(report))"])
                }
                queue.removeFirst()
                attempt = 0
                await report.onDelivered()
                resume(head.number, with: true)
                continue
            } catch {
                attempt += 1
                let waited = ContinuousClock.now - head.queuedAt
                if !report.mustArrive || waited >= timeout {
                    let message: Logger.Message =
                        report.mustArrive
                        ? "update_backup not delivered to the conductor in \(Int(timeout.seconds)) s: given up (its journal record keeps it for the next start)"
                        : "update_backup not delivered to the conductor"
                    logger.error(
                        message,
                        metadata: [
                            "backup_id": "\(report.backupID)", "backup.state": "\(Self.state(report))",
                            "error": "\(error)",
                        ])
                    queue.removeFirst()
                    attempt = 0
                    resume(head.number, with: false)
                    continue
                }
                let delay = backoff(afterAttempt: attempt)
                let unroutable = if case AMQPError.unroutable = error { true } else { false }
                let message: Logger.Message =
                    unroutable
                    ? "update_backup reached no conductor queue (the conductor is not consuming): sending it again"
                    : "update_backup not delivered: sending it again"
                logger.log(
                    level: attempt == 1 ? .warning : .info, message,
                    metadata: [
                        "backup_id": "\(report.backupID)", "backup.state": "\(Self.state(report))",
                        "attempt": "\(attempt)", "retry_in": "\(delay)", "error": "\(error)",
                    ])
                do { try await Task.sleep(for: delay) } catch { return }
            }
        }
        worker = nil
    }

    /// Capped exponential back-off with jitter (a wait before sending again, not a synchronisation).
    private func backoff(afterAttempt attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(1, attempt) where delay < maxBackoff { delay *= 2 }
        return min(delay, maxBackoff) * (0.75 + 0.25 * Double.random(in: 0...1))
    }

    private static func state(_ report: Report) -> String { report.fields["state"]?.stringValue ?? "?" }
}
