/// Which pool of request slots a method runs in. Each lane has slots of its own, so that a lane whose requests
/// wait (state changes queued behind a slow `CREATE DATABASE`) never holds up another lane.
public enum RPCLane: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// State changes and anything that may take long: one queue, served in arrival order.
    case standard
    /// Read-only queries that touch the datastore but never wait for a state change (DB2's list and get calls).
    case reads
    /// Answered from memory or one system call, never touching the datastore or the network (`rpc_ping`): Trove's
    /// liveness checks, which time out after 15 s.
    case prompt

    public var description: String {
        switch self {
        case .standard: "standard"
        case .reads: "reads"
        case .prompt: "prompt"
        }
    }
}
