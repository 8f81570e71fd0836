import AgentSupport
import OsloRPC

/// One RPC method of the guest endpoint: its name and what it does with a request.
public struct GuestMethod: Sendable {
    public typealias Handler = @Sendable (RPCRequest, RPCArguments) async throws -> JSONValue

    public let name: String
    public let handler: Handler

    public init(_ name: String, _ handler: @escaping Handler) {
        self.name = name
        self.handler = handler
    }
}
