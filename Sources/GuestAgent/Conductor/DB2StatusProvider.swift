import DB2

/// The heartbeat's status from the DB2 instance itself (``DB2Manager/status()``): `running` when `db2sysc` runs for
/// the owner and the instance answers, `shutdown` when it does not run, `crashed` when it runs but does not answer,
/// `blocked` when it answers but is quiesced outside the agent's own offline backup (applications are refused).
public struct DB2StatusProvider: ServiceStatusProvider {
    public let manager: DB2Manager

    public init(manager: DB2Manager) { self.manager = manager }

    public func currentStatus() async -> ServiceStatus {
        ServiceStatus(await manager.status())
    }
}

extension ServiceStatus {
    init(_ status: InstanceStatus) {
        switch status {
        case .running: self = .running
        case .shutdown: self = .shutdown
        case .crashed: self = .crashed
        // Trove's `blocked`: up, but not open to applications.
        case .quiesced: self = .blocked
        }
    }
}
