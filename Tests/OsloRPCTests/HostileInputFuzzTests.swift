import AgentSupport
import AMQP
import Foundation
import Logging
import OsloRPC
import Testing
import TestSupport

/// Random and extreme input, fixed seed, bounded time: the JSON parser, the oslo envelope decoder, the request
/// decoder and the whole server (decode, dispatch, reply) refuse it cleanly, and the process lives.
@Suite struct HostileInputFuzzTests {
    static let seed: UInt64 = 0x7207_E5EC
    static let timeBudget = 3.0

    /// The members of an oslo message, with hostile values where the agent reads numbers and ids.
    static func message(_ fuzz: inout HostileJSON) -> String {
        var members: [String] = []
        func maybe(_ key: String, _ value: String, _ percent: Int = 60) {
            if fuzz.chance(percent) { members.append("\"\(key)\": \(value)") }
        }
        maybe("method", fuzz.chance(70) ? "\"\(fuzz.pick(["echo", "fail", "nope", "_private", ""]))\"" : fuzz.documentText(depth: 2), 90)
        maybe("args", fuzz.chance(60) ? "{\"x\": \(fuzz.documentText())}" : fuzz.documentText(), 80)
        maybe("version", fuzz.chance(50) ? "\"\(fuzz.pick(["1.0", "1", "1.0.7", "2.0", "1.99999999999999999999", "x"]))\"" : fuzz.numberText())
        maybe("namespace", fuzz.documentText(depth: 1), 10)
        maybe("_timeout", fuzz.chance(80) ? fuzz.numberText() : fuzz.documentText(depth: 1))
        maybe("_msg_id", fuzz.chance(70) ? "\"m\"" : fuzz.documentText(depth: 1))
        maybe("_reply_q", fuzz.chance(70) ? "\"reply_fuzz\"" : fuzz.documentText(depth: 1))
        maybe("_unique_id", fuzz.chance(50) ? "\"\(UInt64.random(in: 0 ... .max, using: &fuzz.random))\"" : fuzz.documentText(depth: 1))
        maybe("_context_request_id", fuzz.documentText(depth: 1), 30)
        maybe("_context_auth_token", fuzz.documentText(depth: 1), 20)
        return "{" + members.joined(separator: ", ") + "}"
    }

    /// A body as it could arrive: enveloped or bare, sometimes damaged, sometimes not JSON at all.
    static func body(_ fuzz: inout HostileJSON) -> [UInt8] {
        let inner = message(&fuzz)
        var bytes: [UInt8]
        switch Int.random(in: 0..<10, using: &fuzz.random) {
        case 0: bytes = Array(inner.utf8)
        case 1: bytes = Array(fuzz.documentText().utf8)
        case 2:
            bytes = Array(#"{"oslo.version": "#.utf8) + Array(fuzz.documentText(depth: 1).utf8)
                + Array(#", "oslo.message": "#.utf8) + Array(fuzz.documentText(depth: 2).utf8) + [UInt8(ascii: "}")]
        default:
            bytes = JSONWriter.bytes(["oslo.version": "2.0", "oslo.message": .string(inner)])
        }
        return fuzz.chance(15) ? fuzz.damaged(bytes) : bytes
    }

    @Test func theParserAndDecodersRefuseHostileInputCleanly() throws {
        var fuzz = HostileJSON(seed: Self.seed)
        let deadline = Date().addingTimeInterval(Self.timeBudget)
        var documents = 0
        var parsed = 0
        while Date() < deadline {
            let text = fuzz.documentText()
            let bytes = fuzz.chance(20) ? fuzz.damaged(Array(text.utf8)) : Array(text.utf8)
            if let value = try? JSONParser.parse(bytes) {
                parsed += 1
                // What parses writes back to text that parses to the same value (non-finite numbers become null).
                if !JSONWriter.string(value).contains("null"), !text.contains("1e400"), !text.contains("e308") {
                    #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value, "\(text.prefix(200))")
                }
            }
            if let dict = try? OsloEnvelope.decode(Self.body(&fuzz)) {
                if case .success(let request) = RPCRequest.decode(dict) {
                    // Whatever was accepted is within the bounds the server relies on.
                    if let timeout = request.callMonitorTimeout {
                        #expect(timeout.isFinite && timeout >= 0 && timeout <= RPCRequest.maximumCallMonitorTimeout)
                    }
                    if let reply = request.reply {
                        #expect((1...RPCRequest.maximumIdentifierBytes).contains(reply.queue.utf8.count))
                    }
                }
            }
            documents += 1
        }
        // Enough to have run at all, even on a loaded machine (the seed fixes which documents, not how many).
        #expect(documents > 20, "only \(documents) documents in \(Self.timeBudget) s")
        #expect(parsed > 0)
    }

    @Test func theServerAnswersOrDropsHostileMessagesAndLives() async throws {
        var fuzz = HostileJSON(seed: Self.seed ^ 0xFF)
        let publisher = RecordingPublisher()
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        // A small size cap too, so that oversized bodies go through the reply-address scanner.
        let servers = [
            OsloRPCServer(endpoint: TestEndpoint(), publisher: publisher, logger: logger),
            OsloRPCServer(
                endpoint: TestEndpoint(), publisher: publisher,
                configuration: RPCServerConfiguration(maximumMessageBytes: 2048), logger: logger),
        ]
        let deadline = Date().addingTimeInterval(Self.timeBudget)
        var messages = 0
        while Date() < deadline {
            await servers[messages % 2].process(Self.body(&fuzz))
            messages += 1
        }
        #expect(messages > 20, "only \(messages) messages in \(Self.timeBudget) s")
        // Every reply went to a routing key the broker takes, and each is a well-formed oslo reply.
        for message in publisher.messages {
            #expect((1...RPCRequest.maximumIdentifierBytes).contains(message.routingKey.utf8.count))
            let answer = try OsloEnvelope.decode(message.body)
            #expect(answer["ending"] == true)
        }
        #expect(!publisher.messages.isEmpty)
    }
}
