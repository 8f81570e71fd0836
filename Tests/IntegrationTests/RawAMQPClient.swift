import AMQP
import AgentSupport
import Foundation
import OsloRPC
import TestSupport

/// A raw AMQP client with its own reply queue: sends bodies no oslo client would send, and reads the replies.
final class RawAMQPClient: @unchecked Sendable {
    // @unchecked: the connection is used only from the one thread `onOwnThread` runs on at a time (serially).
    let connection: AMQPConnection
    let replyQueue = "reply_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"

    init(port: Int) throws {
        let parameters = AMQPConnectionParameters(
            endpoints: [AMQPEndpoint(host: "127.0.0.1", port: port, user: "guest", password: Secret("guest"))],
            connectionName: "raw-test-client")
        connection = try AMQPConnection(endpoint: parameters.endpoints[0], parameters: parameters)
        try connection.declare(AMQPTopology(queues: [
            AMQPQueueDeclaration(name: replyQueue, durable: false, autoDelete: true, bindings: []),
        ]))
        try connection.enablePublisherConfirms()
        try connection.consume(queue: replyQueue)
    }

    /// Connects on a thread of its own.
    static func connect(port: Int) async throws -> RawAMQPClient {
        try await onOwnThread("raw-amqp") { try RawAMQPClient(port: port) }
    }

    func send(_ body: [UInt8], topic: String) throws {
        let sequence = try connection.publish(AMQPOutgoingMessage(exchange: "trove", routingKey: topic, body: body))
        try connection.waitForConfirm(upTo: sequence, timeout: 10)
    }

    /// Publishes every body, waiting for the broker's confirms once per batch of 50.
    func sendAll(_ bodies: some Sequence<[UInt8]>, topic: String) throws {
        var last: UInt64 = 0
        var unconfirmed = 0
        for body in bodies {
            last = try connection.publish(AMQPOutgoingMessage(exchange: "trove", routingKey: topic, body: body))
            unconfirmed += 1
            if unconfirmed == 50 {
                try connection.waitForConfirm(upTo: last, timeout: 60)
                unconfirmed = 0
            }
        }
        if unconfirmed > 0 { try connection.waitForConfirm(upTo: last, timeout: 60) }
    }

    /// The envelope of a cast of `method` with `args`.
    static func cast(_ method: String, _ args: [String: JSONValue]) -> [UInt8] {
        let inner: JSONValue = ["method": .string(method), "args": .object(args), "_unique_id": .string(UUID().uuidString)]
        return JSONWriter.bytes(["oslo.version": "2.0", "oslo.message": .string(JSONWriter.string(inner))])
    }

    func nextReply(timeout: Double) throws -> [String: JSONValue]? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let delivery = try connection.nextDelivery(timeout: 0.2) {
                try connection.ack(delivery.deliveryTag)
                return try OsloEnvelope.decode(delivery.body)
            }
        }
        return nil
    }

    /// Waits for the reply to `messageID`, reading past others; returns every reply read (the one sought last).
    func replies(until messageID: String, timeout: Double) throws -> [[String: JSONValue]] {
        let deadline = Date().addingTimeInterval(timeout)
        var seen: [[String: JSONValue]] = []
        while Date() < deadline {
            guard let reply = try nextReply(timeout: max(0.2, deadline.timeIntervalSinceNow)) else { break }
            seen.append(reply)
            if reply["_msg_id"] == .string(messageID) { return seen }
        }
        throw ReplyTimeout(messageID: messageID, seconds: timeout)
    }

    struct ReplyTimeout: Error, CustomStringConvertible {
        let messageID: String
        let seconds: Double
        var description: String { "no reply to \(messageID) within \(seconds) s" }
    }

    /// Sends `body` and returns the first reply within `timeout` seconds (on a thread of its own).
    func exchange(_ body: [UInt8], topic: String, timeout: Double) async throws -> [String: JSONValue]? {
        try await onOwnThread("raw-amqp") { [self] in
            try send(body, topic: topic)
            return try nextReply(timeout: timeout)
        }
    }

    /// The envelope of a call whose inner message is `fields` (JSON members, as text, so that numbers like `1e400`
    /// reach the agent as written) plus this client's reply address and a fresh `_unique_id`.
    func call(_ fields: String, messageID: String = "m") -> [UInt8] {
        let inner = "{\(fields), \"_msg_id\": \"\(messageID)\", \"_reply_q\": \"\(replyQueue)\", "
            + "\"_unique_id\": \"\(UUID().uuidString)\"}"
        return JSONWriter.bytes(["oslo.version": "2.0", "oslo.message": .string(inner)])
    }

    /// The Python exception class of a failure reply, or nil for a success.
    static func failureClass(_ reply: [String: JSONValue]?) -> String? {
        guard let text = reply?["failure"]?.stringValue else { return nil }
        return (try? JSONParser.parse(text))?["class"]?.stringValue
    }

    /// The message of a failure reply.
    static func failureMessage(_ reply: [String: JSONValue]?) -> String? {
        guard let text = reply?["failure"]?.stringValue else { return nil }
        return (try? JSONParser.parse(text))?["message"]?.stringValue
    }
}
