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

    /// The longest `_msg_id`, `_reply_q` and `_unique_id` accepted, in UTF-8 bytes: a reply's routing key is an
    /// AMQP short string (at most 255 bytes), and oslo's ids are 32 hex digits.
    public static let maximumIdentifierBytes = 255
    /// The longest call-monitor timeout accepted, in seconds (a year; oslo sends the caller's call timeout).
    public static let maximumCallMonitorTimeout: Double = 365 * 86_400

    /// Reads a message dict. Structural problems become a ``RemoteError`` (sent back to a caller) together with
    /// the reply address when one could be read.
    public static func decode(_ message: [String: JSONValue]) -> Result<RPCRequest, DecodeFailure> {
        // The reply address first, so that a request refused for another reason still gets its failure.
        var reply: ReplyAddress?
        let messageIDValue = message["_msg_id"].flatMap { $0.isNull ? nil : $0 }
        let queueValue = message["_reply_q"].flatMap { $0.isNull ? nil : $0 }
        if messageIDValue != nil || queueValue != nil {
            guard let messageID = identifier(messageIDValue), let queue = identifier(queueValue) else {
                // Nobody to tell: an address that is not one cannot be published to.
                let problem = "RPC '_msg_id' and '_reply_q' must both be strings of 1 to \(maximumIdentifierBytes) "
                    + "bytes"
                return .failure(DecodeFailure(error: .builtin("ValueError", problem), reply: nil, uniqueID: nil))
            }
            reply = ReplyAddress(messageID: messageID, queue: queue)
        }
        var uniqueID: String?
        func fail(_ error: RemoteError) -> Result<RPCRequest, DecodeFailure> {
            .failure(DecodeFailure(error: error, reply: reply, uniqueID: uniqueID))
        }
        if let value = message["_unique_id"], !value.isNull {
            guard let id = identifier(value) else {
                return fail(.builtin(
                    "ValueError",
                    "RPC '_unique_id' must be a string of 1 to \(maximumIdentifierBytes) bytes, got \(describe(value))"))
            }
            uniqueID = id
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
        var namespace: String?
        switch message["namespace"] {
        case nil, .null?: break
        case .string(let text)?: namespace = text
        case let other?: return fail(.builtin("ValueError", "RPC 'namespace' must be a string, got \(other.typeName)"))
        }
        var callMonitorTimeout: Double?
        if let value = message["_timeout"], !value.isNull {
            guard let seconds = value.doubleValue, seconds.isFinite, (0...maximumCallMonitorTimeout).contains(seconds)
            else {
                return fail(.builtin(
                    "ValueError",
                    "RPC '_timeout' must be a number of seconds from 0 to \(Int(maximumCallMonitorTimeout)), "
                        + "got \(describe(value))"))
            }
            callMonitorTimeout = seconds
        }
        return .success(
            RPCRequest(
                method: method, args: args, version: version, namespace: namespace,
                context: RequestContext(message: message), uniqueID: uniqueID, reply: reply,
                callMonitorTimeout: callMonitorTimeout))
    }

    /// A string of 1 to ``maximumIdentifierBytes`` bytes, or nil.
    private static func identifier(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, (1...maximumIdentifierBytes).contains(text.utf8.count) else { return nil }
        return text
    }

    /// A value as an error message shows it: a number as written, anything else by its type.
    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .int(let number): "\(number)"
        case .double(let number): "\(number)"
        default: value.typeName
        }
    }

    /// A message that is not a valid request, and whom to tell.
    public struct DecodeFailure: Error, Sendable {
        public var error: RemoteError
        public var reply: ReplyAddress?
        public var uniqueID: String?
    }
}
