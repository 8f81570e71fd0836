import AgentSupport
import Logging
import OsloRPC

/// Trove's guest-agent RPC surface for DB2 (version 1.0): the method table oslo dispatches into.
///
/// Methods come in groups (basics, unsupported, databases and users, backups...), each a list of
/// ``GuestMethod``s; a name may appear once.
public struct TroveGuestEndpoint: RPCEndpoint {
    public let version = RPCVersion(major: 1, minor: 0)
    private let methods: [String: GuestMethod]

    public init(groups: [[GuestMethod]]) {
        var table: [String: GuestMethod] = [:]
        for method in groups.joined() {
            precondition(table[method.name] == nil, "RPC method \(method.name) registered twice")
            table[method.name] = method
        }
        methods = table
    }

    public var methodNames: [String] { methods.keys.sorted() }

    public func supports(method: String) -> Bool { methods[method] != nil }

    public func lane(of method: String) -> RPCLane { methods[method]?.lane ?? .standard }

    /// Reads and checks `request`'s arguments without doing anything (see ``GuestMethod``).
    ///
    /// - Throws: `NoSuchMethod` for an unknown method; the reader's error for a wrong argument.
    public func read(_ request: RPCRequest) throws -> GuestMethod.Work {
        guard let method = methods[request.method] else { throw RemoteError.noSuchMethod(request.method) }
        return try method.read(request, RPCArguments(method: request.method, values: request.args))
    }

    public func handle(_ request: RPCRequest) async throws -> JSONValue {
        let work = try read(request)
        return try await work()
    }
}
