import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

/// Messages built to hurt the agent, sent through the real broker to the real daemon: each is refused with a clear
/// failure naming what was wrong, and the daemon goes on serving.
@Suite struct HostileInputTests {
    func startDaemon(_ config: [String: [String: String]] = [:]) async throws -> (AgentDaemon, RawAMQPClient) {
        let port = try TestEnvironment.amqpPort()
        var settings = config
        // No volume is ever mounted or unmounted, whatever a message asks for.
        settings["db2", default: [:]]["volume_support"] = "false"
        let daemon = try AgentDaemon(amqpPort: port, config: settings)
        try await daemon.start()
        return (daemon, try await RawAMQPClient.connect(port: port))
    }

    /// Row 3: `_timeout` (oslo's call-monitor timeout) of 1e400 or 3e20 crashed the agent (`Double value cannot be
    /// converted`); five such messages and systemd gave up restarting it.
    @Test func aCallMonitorTimeoutOutOfRangeIsRefusedAndTheDaemonLives() async throws {
        let (daemon, client) = try await startDaemon()
        for timeout in ["1e400", "3e20", "-1e400", "-5", "\"soon\""] {
            let reply = try await client.exchange(
                client.call("\"method\": \"rpc_ping\", \"args\": {}, \"_timeout\": \(timeout)"), topic: daemon.topic,
                timeout: 10)
            #expect(RawAMQPClient.failureClass(reply) == "ValueError", "_timeout \(timeout): \(String(describing: reply))")
            #expect(RawAMQPClient.failureMessage(reply)?.contains("_timeout") == true, "_timeout \(timeout)")
        }
        let fine = try await client.exchange(
            client.call("\"method\": \"rpc_ping\", \"args\": {}, \"_timeout\": 30"), topic: daemon.topic, timeout: 10)
        #expect(fine?["result"] == true)
        #expect(daemon.isRunning)
        #expect(await daemon.stop() == 0)
    }

    /// Row 4: an override value beyond Int64 crashed the agent in `update_overrides`, `apply_overrides` and
    /// `prepare`.
    @Test func overrideValuesBeyondInt64AreRefusedAndTheDaemonLives() async throws {
        let (daemon, client) = try await startDaemon()
        let calls = [
            ("update_overrides", "\"overrides\": {\"MON_HEAP_SZ\": 99999999999999999999}, \"remove\": false"),
            ("update_overrides", "\"overrides\": {\"MON_HEAP_SZ\": 1e400}, \"remove\": false"),
            ("apply_overrides", "\"overrides\": {\"MON_HEAP_SZ\": -1e300}"),
            ("apply_overrides", "\"overrides\": {\"MON_HEAP_SZ\": 1e400}"),
        ]
        for (method, args) in calls {
            let reply = try await client.exchange(
                client.call("\"method\": \"\(method)\", \"args\": {\(args)}"), topic: daemon.topic, timeout: 10)
            #expect(RawAMQPClient.failureClass(reply) == "BadRequest", "\(method)(\(args)): \(String(describing: reply))")
            #expect(RawAMQPClient.failureMessage(reply)?.contains("MON_HEAP_SZ") == true, "\(method)(\(args))")
        }
        // prepare is a cast: it fails (logged, `failed to spawn`) instead of taking the daemon down.
        let prepare = "{\"method\": \"prepare\", \"args\": {\"overrides\": {\"MON_HEAP_SZ\": 1e400}, \"mount_point\": null}, "
            + "\"_unique_id\": \"\(UUID().uuidString)\"}"
        try await onOwnThread("raw-amqp") {
            try client.send(Array(JSONWriter.bytes(["oslo.version": "2.0", "oslo.message": .string(prepare)])), topic: daemon.topic)
        }
        try await daemon.waitForLog("prepare failed")
        let ping = try await client.exchange(client.call("\"method\": \"rpc_ping\", \"args\": {}"), topic: daemon.topic, timeout: 10)
        #expect(ping?["result"] == true)
        #expect(await daemon.stop() == 0)
    }

    /// Row 14: a newline in an RPC value forged a log line of its own, and an 8 MB name made an 8 MB log line.
    @Test func valuesInTheLogCannotForgeLinesAndAreCutToABoundedLength() async throws {
        let (daemon, client) = try await startDaemon()
        let forged = "x\nERROR [trove-db2-agent] forged: all backups deleted\r\u{1B}[2J"
        let huge = String(repeating: "A", count: 8 << 20)
        for name in [forged, huge] {
            let inner: JSONValue = [
                "method": "create_database", "args": ["databases": [["_name": .string(name)]]], "_msg_id": "m",
                "_reply_q": .string(client.replyQueue), "_unique_id": .string(UUID().uuidString),
            ]
            let body = JSONWriter.bytes(["oslo.version": "2.0", "oslo.message": .string(JSONWriter.string(inner))])
            let reply = try await client.exchange(body, topic: daemon.topic, timeout: 30)
            #expect(RawAMQPClient.failureClass(reply) == "BadRequest")
        }
        try await daemon.waitForLog("bytes cut")
        let lines = daemon.logs.allLines
        // Every line is a record of the agent's own (it starts with its timestamp), none is the forged one.
        #expect(!lines.contains { $0.hasPrefix("ERROR [trove-db2-agent] forged") })
        #expect(lines.allSatisfy { $0.first?.isNumber == true }, "a line without the agent's timestamp")
        #expect(lines.contains { $0.contains(#"x\nERROR [trove-db2-agent] forged: all backups deleted\r\u{1B}[2J"#) })
        let longest = lines.map(\.utf8.count).max() ?? 0
        #expect(longest < 64 * 1024, "a log line of \(longest) bytes")
        #expect(await daemon.stop() == 0)
    }

    /// Row 16: a 20 MB call from a real oslo client timed out instead of failing, because the reply address sits
    /// after the first MiB (oslo writes `_msg_id` and `_reply_q` after `args`).
    @Test func anOversizedCallFromARealOsloClientGetsAFailureNotATimeout() async throws {
        let port = try TestEnvironment.amqpPort()
        let daemon = try AgentDaemon(amqpPort: port)
        try await daemon.start()
        let client = try await PythonPeer("client", url: PythonPeer.amqpURL(port: port), topic: daemon.topic)
        let answer = try await client.call(
            "rpc_ping", ["pad": .string(String(repeating: "p", count: 20 << 20))], timeout: 30)
        #expect(answer["class"] == "ValueError", "\(JSONWriter.string(answer).prefix(300))")
        #expect(answer["message"]?.stringValue?.contains("larger than") == true)
        #expect(try await client.call("rpc_ping")["result"] == true)
        #expect(await daemon.stop() == 0)
    }
}
