import AgentSupport
import OsloRPC

/// One RPC method of the guest endpoint: its name, its lane, and how it answers a request — in two steps.
///
/// ``read`` takes the request's arguments apart and checks every one of them, doing nothing else: no DB2
/// command, no file, no message. It returns the ``Work`` that then does what was asked with the typed values it
/// captured. Every wrong argument is therefore refused before anything happens, and the readers of all methods
/// can be fed hostile input in a test without touching the system.
public struct GuestMethod: Sendable {
    /// Does what a request asked for, with the arguments its reader checked.
    public typealias Work = @Sendable () async throws -> JSONValue
    /// Reads and checks a request's arguments.
    ///
    /// - Throws: a ``RemoteErrorConvertible`` error naming the argument and what is wrong with it.
    public typealias Reader = @Sendable (RPCRequest, RPCArguments) throws -> Work

    public let name: String
    public let lane: RPCLane
    public let read: Reader

    public init(_ name: String, lane: RPCLane = .standard, read: @escaping Reader) {
        self.name = name
        self.lane = lane
        self.read = read
    }
}
