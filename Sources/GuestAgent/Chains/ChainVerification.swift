/// What `verify` found for a whole chain: one ``ObjectVerification`` per object, from the named backup to the
/// first of its chain (a parent that could not be read is one too, failed), and the verdict.
public struct ChainVerification: Sendable, Equatable {
    /// The backup verify was asked about.
    public let location: String
    /// Every object, in the order verified (the named backup first); an object whose images cannot be restored
    /// from the chain (an image it builds on is in no backup of it) appears a second time, failed, saying so.
    public let objects: [ObjectVerification]
    /// Whether verification was cut short (SIGINT, SIGTERM) before it reached the chain's first backup.
    public let interrupted: Bool

    public init(location: String, objects: [ObjectVerification], interrupted: Bool = false) {
        self.location = location
        self.objects = objects
        self.interrupted = interrupted
    }

    /// True only when every object held and the walk reached the chain's first backup.
    public var held: Bool { !interrupted && !objects.isEmpty && objects.allSatisfy(\.held) }

    /// The last line `verify` prints.
    public var verdict: String {
        let count = Set(objects.map(\.location)).count
        let backups = count == 1 ? "1 backup" : "\(count) backups"
        if interrupted { return AgentLogHandler.loggable("verdict: INTERRUPTED after \(backups) of the chain of \(location)") }
        if held { return AgentLogHandler.loggable("verdict: OK: all \(backups) of the chain of \(location) held") }
        let failed = objects.filter { !$0.held }.map(\.location)
        var unique: [String] = []
        for location in failed where !unique.contains(location) { unique.append(location) }
        return AgentLogHandler.loggable(
            "verdict: FAILED: \(unique.count) of \(backups) of the chain of \(location) did not hold: \(unique.joined(separator: ", "))")
    }
}
