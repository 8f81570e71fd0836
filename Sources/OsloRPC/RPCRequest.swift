import AgentSupport
/// One decoded RPC message: a call (with a reply address) or a cast.
public struct RPCRequest: Sendable {
    public var method: String
    public var args: [String: JSONValue]
    /// `"1.0"` when the message carries none (oslo's default).
    public var version: String
    public var namespace: String?
    public var context: RequestContext
    public var uniqueID: String?
    /// Present on calls only.
    public var reply: ReplyAddress?
    /// oslo's call-monitor timeout (`_timeout`), when the caller asked for `ending: false` heartbeats.
    public var callMonitorTimeout: Double?

    /// Where the answer to a call goes: the default exchange, routing key `_reply_q`.
    public struct ReplyAddress: Sendable, Equatable {
        public var messageID: String
        public var queue: String

        public init(messageID: String, queue: String) {
            self.messageID = messageID
            self.queue = queue
        }
    }

    public var isCall: Bool { reply != nil }

    public init(
        method: String, args: [String: JSONValue] = [:], version: String = "1.0", namespace: String? = nil,
        context: RequestContext = RequestContext(), uniqueID: String? = nil, reply: ReplyAddress? = nil,
        callMonitorTimeout: Double? = nil
    ) {
        self.method = method
        self.args = args
        self.version = version
        self.namespace = namespace
        self.context = context
        self.uniqueID = uniqueID
        self.reply = reply
        self.callMonitorTimeout = callMonitorTimeout
    }

    /// Reads a message dict. Structural problems become a ``RemoteError`` (sent back to a caller) together with
    /// the reply address when one could be read.
    public static func decode(_ message: [String: JSONValue]) -> Result<RPCRequest, DecodeFailure> {
        var reply: ReplyAddress?
        if let messageID = message["_msg_id"]?.stringValue, let queue = message["_reply_q"]?.stringValue {
            reply = ReplyAddress(messageID: messageID, queue: queue)
        }
        func fail(_ error: RemoteError) -> Result<RPCRequest, DecodeFailure> {
            .failure(DecodeFailure(error: error, reply: reply, uniqueID: message["_unique_id"]?.stringValue))
        }
        guard let methodValue = message["method"] else {
            return fail(.builtin("ValueError", "RPC message has no 'method'"))
        }
        guard let method = methodValue.stringValue, !method.isEmpty else {
            return fail(.builtin("ValueError", "RPC 'method' must be a non-empty string, got \(methodValue.typeName)"))
        }
        var args: [String: JSONValue] = [:]
        switch message["args"] {
        case nil, .null?: break
        case .object(let object)?: args = object
        case let other?: return fail(.builtin("ValueError", "RPC 'args' must be an object, got \(other.typeName)"))
        }
        var version = "1.0"
        switch message["version"] {
        case nil, .null?: break
        case .string(let text)?: version = text
        case let other?: return fail(.builtin("ValueError", "RPC 'version' must be a string, got \(other.typeName)"))
        }
        let namespace = message["namespace"]?.stringValue
        return .success(
            RPCRequest(
                method: method, args: args, version: version, namespace: namespace,
                context: RequestContext(message: message), uniqueID: message["_unique_id"]?.stringValue, reply: reply,
                callMonitorTimeout: message["_timeout"]?.doubleValue))
    }

    /// A message that is not a valid request, and whom to tell.
    public struct DecodeFailure: Error, Sendable {
        public var error: RemoteError
        public var reply: ReplyAddress?
        public var uniqueID: String?
    }
}
