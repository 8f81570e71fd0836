#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// Sends `heartbeat` to the conductor every `report_interval` seconds once prepare has completed (before that,
/// the taskmanager is still building the instance and prepare sends its own heartbeats).
public struct HeartbeatLoop: Sendable {
    public let interval: Duration
    public let markers: PrepareMarkers
    public let status: any ServiceStatusProvider
    public let conductor: ConductorClient
    public let logger: Logger
    /// While this returns true the loop sends nothing (a restart in progress reports its own status).
    public let suppressed: @Sendable () async -> Bool

    public init(
        interval: Duration, markers: PrepareMarkers, status: any ServiceStatusProvider, conductor: ConductorClient,
        logger: Logger, suppressed: @escaping @Sendable () async -> Bool = { false }
    ) {
        self.interval = interval
        self.markers = markers
        self.status = status
        self.conductor = conductor
        self.logger = logger
        self.suppressed = suppressed
    }

    /// Runs until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            guard markers.prepareCompleted, await !suppressed() else { continue }
            let current = await status.currentStatus()
            do {
                let seconds = Double(interval.components.seconds)
                try await conductor.heartbeat(current, deadline: Date().addingTimeInterval(max(seconds, 1)))
            } catch {
                logger.warning("heartbeat not sent", metadata: ["error": "\(error)"])
            }
        }
    }
}
