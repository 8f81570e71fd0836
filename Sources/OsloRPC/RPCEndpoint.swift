import AgentSupport
/// The object an RPC server dispatches to: Trove's guest manager, for this agent.
public protocol RPCEndpoint: Sendable {
    /// The endpoint's target version: a request is served when its version has the same major and a minor not
    /// greater (Trove sends `"1.0"`).
    var version: RPCVersion { get }

    /// Whether `method` exists. Names starting with `_` are never invocable (oslo's `DefaultRPCAccessPolicy`).
    func supports(method: String) -> Bool

    /// Runs `request.method`. The return value is the call's `result` (ignored for casts).
    ///
    /// - Throws: any error; a ``RemoteErrorConvertible`` error reaches the caller as that Python exception, any other
    ///   error through ``RPCServerConfiguration/mapUnknownError``.
    func handle(_ request: RPCRequest) async throws -> JSONValue

    /// The lane `method` runs in (see ``RPCLane``); only called for a method the endpoint supports.
    func lane(of method: String) -> RPCLane
}

extension RPCEndpoint {
    /// Every method in the standard lane.
    public func lane(of method: String) -> RPCLane { .standard }
}
