import AgentSupport
/// Transforms what crosses the wire, as oslo.messaging's `Serializer`: arguments and results one value (entity) at
/// a time, and the request context as a whole. Trove plugs in its secure serializer here.
public protocol RPCSerializer: Sendable {
    /// A received argument value.
    func deserializeEntity(_ value: JSONValue) -> JSONValue
    /// A received context (the `_context_*` keys, prefix stripped).
    /// - Throws: a ``RemoteError`` when the context cannot be read (e.g. encrypted with another key): the caller is
    ///   told instead of having its request run with an unreadable context.
    func deserializeContext(_ context: RequestContext) throws(RemoteError) -> RequestContext
    /// A value sent out: a call's result, or a cast's argument.
    func serializeEntity(_ value: JSONValue) -> JSONValue
    /// A context sent out.
    func serializeContext(_ context: RequestContext) -> RequestContext
}

/// Sends and receives everything as it is (oslo's `NoOpSerializer`).
public struct PassthroughSerializer: RPCSerializer {
    public init() {}
    public func deserializeEntity(_ value: JSONValue) -> JSONValue { value }
    public func deserializeContext(_ context: RequestContext) throws(RemoteError) -> RequestContext { context }
    public func serializeEntity(_ value: JSONValue) -> JSONValue { value }
    public func serializeContext(_ context: RequestContext) -> RequestContext { context }
}
