import AMQP
import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

/// Raw AMQP messages that no oslo client would send: each is answered with a failure when the sender can be found,
/// dropped otherwise, and the daemon keeps serving.
@Suite(.needsServices) struct BadInputTests {
    @Test func everyKindOfBadInputIsAnsweredOrDroppedAndTheDaemonKeepsServing() async throws {
        let port = try TestEnvironment.amqpPort()
        let daemon = try AgentDaemon(amqpPort: port, config: ["DEFAULT": ["rpc_max_message_size": "65536"]])
        try await daemon.start()
        let client = try await RawAMQPClient.connect(port: port)
        let topic = daemon.topic
        let queue = client.replyQueue

        func inner(_ fields: String) -> [UInt8] {
            let message = "{\(fields), \"_msg_id\": \"m\", \"_reply_q\": \"\(queue)\", \"_unique_id\": \"\(UUID().uuidString)\"}"
            return OsloEnvelope.encode(try! JSONParser.parse(message).objectValue!)
        }
        let cases: [(name: String, body: [UInt8], expected: String?)] = [
            ("not JSON", Array("this is not json".utf8), nil),
            ("not JSON but addressable", Array("{\"_msg_id\": \"m\", \"_reply_q\": \"\(queue)\", broken".utf8), "ValueError"),
            ("unknown envelope version", Array(JSONWriter.bytes([
                "oslo.version": "3.0",
                "oslo.message": .string("{\"method\": \"rpc_ping\", \"_msg_id\": \"m\", \"_reply_q\": \"\(queue)\"}"),
            ])), "UnsupportedRpcEnvelopeVersion"),
            ("no method", inner("\"args\": {}"), "ValueError"),
            ("args not an object", inner("\"method\": \"rpc_ping\", \"args\": [1, 2]"), "ValueError"),
            ("wrong argument type", inner("\"method\": \"get_filesystem_stats\", \"args\": {\"fs_path\": [1]}"), "TypeError"),
            ("unknown method", inner("\"method\": \"no_such_thing\", \"args\": {}"), "NoSuchMethod"),
            ("oversized", inner("\"method\": \"rpc_ping\", \"args\": {\"pad\": \"\(String(repeating: "x", count: 100_000))\"}"), "ValueError"),
            ("a cast with a bad body", Array("{\"method\": 5}".utf8), nil),
        ]
        for testCase in cases {
            let reply = try await onOwnThread("raw-amqp") {
                try client.send(testCase.body, topic: topic)
                return try client.nextReply(timeout: testCase.expected == nil ? 1 : 10)
            }
            if let expected = testCase.expected {
                let failure = try JSONParser.parse(try #require(reply?["failure"]?.stringValue, "no failure for \(testCase.name)"))
                #expect(failure["class"] == .string(expected), "\(testCase.name)")
                #expect(reply?["ending"] == true)
            } else {
                #expect(reply == nil, "\(testCase.name) got a reply")
            }
        }
        let ping = try await PythonPeer("client", url: PythonPeer.amqpURL(port: port), topic: topic)
        #expect(try await ping.call("rpc_ping")["result"] == true)
        // Nothing was requeued: the queue is empty.
        let listing = try await ProcessRunner.run(
            "/usr/lib/rabbitmq/bin/rabbitmqctl",
            ["-n", "rabbit-\(port)@localhost", "list_queues", "name", "messages"],
            environment: [
                "HOME": try TestEnvironment.require("RABBITMQ_DIR") + "/home",
                "ERL_EPMD_PORT": try TestEnvironment.require("EPMD_PORT"),
            ])
        let line = listing.stdout.split(separator: "\n").first { $0.hasPrefix(topic + "\t") || $0.hasPrefix(topic + " ") }
        #expect(line.map { $0.hasSuffix("0") } == true, "queue listing: \(listing.stdout) \(listing.stderr)")
        #expect(await daemon.stop() == 0)
    }
}
