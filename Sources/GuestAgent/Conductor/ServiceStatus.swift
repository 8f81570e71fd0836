/// Trove's service statuses (`trove/common/instance.py`), as the heartbeat's `service_status` describes them.
public enum ServiceStatus: String, Sendable, CaseIterable {
    case running = "running"
    case blocked = "blocked"
    case paused = "paused"
    case shutdown = "shutdown"
    case crashed = "crashed"
    case failedToSpawn = "failed to spawn"
    case building = "building"
    case unknown = "unknown"
    case instanceReady = "instance ready"
    case restartRequired = "restart required"

    /// The string the conductor maps with `ServiceStatus.from_description()`.
    public var description: String { rawValue }
}

/// Tells the heartbeat loop what state the datastore is in.
public protocol ServiceStatusProvider: Sendable {
    func currentStatus() async -> ServiceStatus
}
