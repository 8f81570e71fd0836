import DB2

/// Reports `running` when the instance owner's `db2sysc` runs, `shutdown` otherwise: what Trove's DB2 status check
/// observes. (The DB2 manager refines this with a real probe of the instance.)
public struct EngineStatusProvider: ServiceStatusProvider {
    public let instanceOwner: String

    public init(instanceOwner: String) { self.instanceOwner = instanceOwner }

    public func currentStatus() async -> ServiceStatus {
        DB2EngineProbe.isEngineRunning(owner: instanceOwner) ? .running : .shutdown
    }
}
