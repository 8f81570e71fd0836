import AgentSupport
import AMQP
import Foundation
import Logging
import OsloRPC
import Synchronization
import Testing

/// Collects what the server publishes.
final class RecordingPublisher: OsloMessagePublisher {
    private let sent = Mutex<[AMQPOutgoingMessage]>([])
    let stream: AsyncStream<AMQPOutgoingMessage>
    private let continuation: AsyncStream<AMQPOutgoingMessage>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func publish(_ message: AMQPOutgoingMessage, deadline: Date) async throws { record(message) }

    func publish(
        _ message: AMQPOutgoingMessage, deadline: Date, completion: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        record(message)
        completion(.success(()))
    }

    private func record(_ message: AMQPOutgoingMessage) {
        sent.withLock { $0.append(message) }
        continuation.yield(message)
    }

    var messages: [AMQPOutgoingMessage] { sent.withLock { $0 } }
}

struct TestEndpoint: RPCEndpoint {
    let version = RPCVersion(major: 1, minor: 0)
    let gate: AsyncStream<Void>?

    init(gate: AsyncStream<Void>? = nil) { self.gate = gate }

    func supports(method: String) -> Bool { ["echo", "fail", "slow", "_private"].contains(method) }

    func handle(_ request: RPCRequest) async throws -> JSONValue {
        switch request.method {
        case "echo": return .object(request.args)
        case "fail": throw RemoteError(className: "GuestError", module: "trove.common.exception", message: "it broke", args: [])
        case "slow":
            if let gate { for await _ in gate { break } }
            return "slow done"
        default: return nil
        }
    }
}

func body(_ message: [String: JSONValue]) -> [UInt8] { OsloEnvelope.encode(message) }

func call(_ method: String, args: [String: JSONValue] = [:], id: String = UUID().uuidString, extra: [String: JSONValue] = [:])
    -> [String: JSONValue]
{
    var message: [String: JSONValue] = [
        "method": .string(method), "args": .object(args), "version": "1.0", "_unique_id": .string(id),
        "_msg_id": .string("msg-\(id)"), "_reply_q": "reply_test",
    ]
    for (key, value) in extra { message[key] = value }
    return message
}

func reply(_ message: AMQPOutgoingMessage) throws -> [String: JSONValue] {
    #expect(message.exchange == "")
    #expect(message.routingKey == "reply_test")
    return try OsloEnvelope.decode(message.body)
}

@Suite struct OsloRPCServerTests {
    let logger = Logger(label: "test")

    @Test func answersACallWithOneEndingReply() async throws {
        let publisher = RecordingPublisher()
        let server = OsloRPCServer(endpoint: TestEndpoint(), publisher: publisher, logger: logger)
        await server.process(body(call("echo", args: ["x": 1], id: "1")))
        let sent = publisher.messages
        #expect(sent.count == 1)
        let answer = try reply(sent[0])
        #expect(answer["result"] == ["x": 1])
        #expect(answer["failure"] == .null)
        #expect(answer["ending"] == true)
        #expect(answer["_msg_id"] == "msg-1")
        #expect(answer["_unique_id"]?.stringValue?.count == 32)
    }

    @Test func aCastGetsNoReply() async {
        let publisher = RecordingPublisher()
        let server = OsloRPCServer(endpoint: TestEndpoint(), publisher: publisher, logger: logger)
        await server.process(body(["method": "echo", "args": [:], "_unique_id": "c1"]))
        #expect(publisher.messages.isEmpty)
    }

    static let refused: [([String: JSONValue], String, String)] = [
        (call("nope"), "NoSuchMethod", "Endpoint does not support RPC method nope"),
        (call("_private"), "NoSuchMethod", "Endpoint does not support RPC method _private"),
        (call("echo", extra: ["version": "2.0"]), "UnsupportedVersion",
         "Endpoint does not support RPC version 2.0. Attempted method: echo"),
        (call("echo", extra: ["version": "1.1"]), "UnsupportedVersion",
         "Endpoint does not support RPC version 1.1. Attempted method: echo"),
        (call("fail"), "GuestError", "it broke"),
        (call("echo", extra: ["args": "x"]), "ValueError", "RPC 'args' must be an object, got string"),
    ]

    @Test(arguments: refused)
    func failuresReachTheCallerInOslosFormat(message: [String: JSONValue], className: String, text: String) async throws {
        let publisher = RecordingPublisher()
        let server = OsloRPCServer(endpoint: TestEndpoint(), publisher: publisher, logger: logger)
        await server.process(body(message))
        let answer = try reply(try #require(publisher.messages.first))
        #expect(answer["result"] == .null)
        let failure = try JSONParser.parse(try #require(answer["failure"]?.stringValue))
        #expect(failure["class"] == .string(className))
        #expect(failure["message"] == .string(text))
    }

    @Test func aDuplicateIsHandledOnce() async {
        let publisher = RecordingPublisher()
        let server = OsloRPCServer(endpoint: TestEndpoint(), publisher: publisher, logger: logger)
        let message = body(call("echo", id: "same"))
        await server.process(message)
        await server.process(message)
        #expect(publisher.messages.count == 1)
    }

    @Test func unparseableAndOversizedBodiesStillAnswerTheCaller() async throws {
        let publisher = RecordingPublisher()
        let server = OsloRPCServer(
            endpoint: TestEndpoint(), publisher: publisher,
            configuration: RPCServerConfiguration(maximumMessageBytes: 300), logger: logger)
        await server.process(Array(#"{"oslo.version": "2.0", "oslo.message": "{\"_msg_id\": \"m9\", \"_reply_q\": \"reply_test\", oops"#.utf8))
        await server.process(body(call("echo", args: ["pad": .string(String(repeating: "x", count: 500))], id: "big")))
        await server.process(Array(#"{"oslo.version": "3.0", "oslo.message": "{\"_msg_id\": \"m3\", \"_reply_q\": \"reply_test\"}"}"#.utf8))
        await server.process(Array("garbage with no address".utf8))
        let answers = try publisher.messages.map(reply)
        #expect(answers.map { $0["_msg_id"] } == ["m9", "msg-big", "m3"])
        let classes = try answers.map { try JSONParser.parse($0["failure"]!.stringValue!)["class"] }
        #expect(classes == ["ValueError", "ValueError", "UnsupportedRpcEnvelopeVersion"])
    }

    @Test func aSlowCallDoesNotHoldUpOthers() async throws {
        let (gate, open) = AsyncStream<Void>.makeStream()
        let publisher = RecordingPublisher()
        let server = OsloRPCServer(endpoint: TestEndpoint(gate: gate), publisher: publisher, logger: logger)
        let (deliveries, feed) = AsyncStream<AMQPDelivery>.makeStream()
        let serving = Task { await server.serve(deliveries) }
        func delivery(_ message: [String: JSONValue]) -> AMQPDelivery {
            AMQPDelivery(
                body: body(message), exchange: "trove", routingKey: "t", consumerTag: "c", deliveryTag: 1,
                redelivered: false, properties: .osloJSON)
        }
        feed.yield(delivery(call("slow", id: "s")))
        feed.yield(delivery(call("echo", id: "e")))
        var iterator = publisher.stream.makeAsyncIterator()
        let first = try reply(try #require(await iterator.next()))
        #expect(first["_msg_id"] == "msg-e")
        open.yield()
        let second = try reply(try #require(await iterator.next()))
        #expect(second["_msg_id"] == "msg-s")
        feed.finish()
        await serving.value
    }
}
