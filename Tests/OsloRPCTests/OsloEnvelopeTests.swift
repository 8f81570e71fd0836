import AgentSupport
import OsloRPC
import Testing

@Suite struct OsloEnvelopeTests {
    @Test func unwrapsTheDoubleEncodedMessage() throws {
        let body = Array(#"{"oslo.version": "2.0", "oslo.message": "{\"method\": \"rpc_ping\", \"args\": {}}"}"#.utf8)
        let message = try OsloEnvelope.decode(body)
        #expect(message["method"] == "rpc_ping")
    }

    @Test func acceptsTheLegacyUnenvelopedForm() throws {
        let message = try OsloEnvelope.decode(Array(#"{"method": "rpc_ping", "args": {}}"#.utf8))
        #expect(message["method"] == "rpc_ping")
    }

    @Test func refusesAnUnknownMajorVersionAsOsloDoes() {
        let body = Array(#"{"oslo.version": "3.0", "oslo.message": "{}"}"#.utf8)
        #expect(throws: OsloEnvelope.DecodeError.unsupportedEnvelopeVersion("3.0")) { try OsloEnvelope.decode(body) }
    }

    @Test func encodeThenDecodeIsIdentity() throws {
        let message: [String: JSONValue] = ["result": ["x": 1], "failure": nil, "ending": true, "_msg_id": "abc"]
        #expect(try OsloEnvelope.decode(OsloEnvelope.encode(message)) == message)
        let outer = try JSONParser.parse(OsloEnvelope.encode(message))
        #expect(outer["oslo.version"] == "2.0")
        #expect(outer["oslo.message"]?.stringValue != nil)
    }

    @Test func namesWhatIsWrongWithABody() {
        #expect(throws: OsloEnvelope.DecodeError.self) { try OsloEnvelope.decode(Array("not json".utf8)) }
        #expect(throws: OsloEnvelope.DecodeError.notAnObject("array")) { try OsloEnvelope.decode(Array("[1]".utf8)) }
    }
}

@Suite struct RPCRequestTests {
    @Test func readsACall() throws {
        let request = try RPCRequest.decode([
            "method": "list_databases", "args": ["limit": 2], "version": "1.0", "_unique_id": "u1",
            "_msg_id": "m1", "_reply_q": "reply_abc", "_timeout": nil, "_context_request_id": "req-1",
            "_context_auth_token": "tok",
        ]).get()
        #expect(request.method == "list_databases")
        #expect(request.args["limit"] == 2)
        #expect(request.reply == RPCRequest.ReplyAddress(messageID: "m1", queue: "reply_abc"))
        #expect(request.context.requestID == "req-1")
        #expect(request.context.authToken?.revealed == "tok")
        #expect("\(request.context.authToken!)" == "***")
        #expect(request.callMonitorTimeout == nil)
    }

    @Test func aMissingVersionMeansOneDotZero() throws {
        #expect(try RPCRequest.decode(["method": "rpc_ping"]).get().version == "1.0")
    }

    static let broken: [([String: JSONValue], String)] = [
        (["args": [:]], "RPC message has no 'method'"),
        (["method": 3], "RPC 'method' must be a non-empty string, got integer"),
        (["method": "x", "args": [1]], "RPC 'args' must be an object, got array"),
    ]

    @Test(arguments: broken)
    func structuralProblemsKeepTheReplyAddress(message: [String: JSONValue], problem: String) throws {
        var message = message
        message["_msg_id"] = "m"
        message["_reply_q"] = "reply_q"
        guard case .failure(let failure) = RPCRequest.decode(message) else {
            Issue.record("decoded a broken message")
            return
        }
        #expect(failure.error.message == problem)
        #expect(failure.error.module == "builtins")
        #expect(failure.reply?.queue == "reply_q")
    }

    @Test func versionsCompareAsOsloDoes() {
        let endpoint = RPCVersion(major: 1, minor: 0)
        #expect(endpoint.canServe(RPCVersion("1.0")!))
        #expect(!endpoint.canServe(RPCVersion("1.1")!))
        #expect(!endpoint.canServe(RPCVersion("2.0")!))
        #expect(RPCVersion(major: 1, minor: 3).canServe(RPCVersion("1.2")!))
        #expect(RPCVersion("abc") == nil)
        #expect(RPCVersion("1.x") == nil)
    }
}

@Suite struct RemoteErrorTests {
    @Test func serialisesAsOsloDoes() throws {
        let failure = try JSONParser.parse(RemoteError.noSuchMethod("frobnicate").failureJSON())
        #expect(failure["class"] == "NoSuchMethod")
        #expect(failure["module"] == "oslo_messaging.rpc.dispatcher")
        #expect(failure["message"] == "Endpoint does not support RPC method frobnicate")
        #expect(failure["args"] == ["Endpoint does not support RPC method frobnicate"])
        #expect(failure["kwargs"] == .object([:]))
        #expect(failure["tb"] == .array([]))
    }

    @Test func troveStyleErrorsCarryNoArgs() throws {
        let error = RemoteError(
            className: "GuestError", module: "trove.common.exception", message: "boom", args: [], kwargs: [:])
        #expect(try JSONParser.parse(error.failureJSON())["args"] == .array([]))
    }
}
