import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

/// Messages built to hurt the agent, sent through the real broker to the real daemon: each is refused with a clear
/// failure naming what was wrong, and the daemon goes on serving.
@Suite(.needsServices) struct HostileInputTests {
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

    /// Trove's methods and their arguments, as the taskmanager sends them.
    static let methods: [String: [String]] = [
        "prepare": ["packages", "databases", "memory_mb", "users", "backup_info", "config_contents", "overrides", "modules"],
        "create_database": ["databases"], "delete_database": ["database"], "list_databases": ["limit", "marker"],
        "list_users": ["limit", "marker", "include_marker"], "create_user": ["users"], "delete_user": ["user"],
        "get_user": ["username", "hostname"], "list_access": ["username"], "grant_access": ["username", "databases"],
        "revoke_access": ["username", "database"], "stop_db": ["do_not_start_on_reboot"], "restart": [],
        "start_db_with_conf_changes": ["config_contents"], "reset_configuration": ["configuration"],
        "update_overrides": ["overrides", "remove"], "apply_overrides": ["overrides"], "get_filesystem_stats": ["fs_path"],
        "guest_log_action": ["log_name", "enable"], "create_backup": ["backup_info"], "module_apply": ["modules"],
        "module_remove": ["module"], "module_list": ["include_contents"], "rpc_ping": [], "enable_root": [],
        "pre_upgrade": [], "post_upgrade": ["upgrade_info"],
    ]

    /// The fuzz test through the broker: the worst values in every argument of every method, numbers beyond every
    /// type, nesting at and past the parser's limit, invalid UTF-8, reply addresses and ids too long to use, a body
    /// over the size cap. The agent answers what it can and still answers `rpc_ping`.
    @Test func theWorstInputsThroughTheBrokerLeaveTheAgentAnswering() async throws {
        let (daemon, client) = try await startDaemon(["DEFAULT": ["shutdown_grace_period": "1"]])
        let worst = [
            "1e400", "-1e400", "99999999999999999999", "-99999999999999999999", "3e20", "4e-320", "{}", "[]", "\"\"",
            "true", "null", "\"x\\n\\u0000\\u001b\"", "[{\"_name\": 1e400, \"_password\": [], \"_databases\": \"APP1\"}]",
            "{\"MON_HEAP_SZ\": 99999999999999999999, \"X\": {}}", String(repeating: "[", count: 250) + "1e400"
                + String(repeating: "]", count: 250),
        ]
        var bodies: [[UInt8]] = []
        var index = 0
        for (method, arguments) in Self.methods.sorted(by: { $0.key < $1.key }) {
            for argument in arguments {
                for value in worst + (argument == arguments.first ? ["\"\(String(repeating: "A", count: 1 << 20))\""] : []) {
                    index += 1
                    let timeout = index % 7 == 0 ? ", \"_timeout\": \(worst[index % 6])" : ""
                    bodies.append(client.call(
                        "\"method\": \"\(method)\", \"args\": {\"\(argument)\": \(value)}\(timeout)", messageID: "w\(index)"))
                }
            }
        }
        let inner = { (fields: String) in Array(fields.utf8) }
        bodies += [
            // Past the parser's depth limit, and invalid UTF-8 in the envelope and inside the inner message.
            client.call("\"method\": \"rpc_ping\", \"args\": {\"x\": \(String(repeating: "[", count: 300))1\(String(repeating: "]", count: 300))}"),
            inner("{\"oslo.version\": \"2.0\", \"oslo.message\": \"{\\\"method\\\": \\\"rpc_ping\\\"") + [0xC0, 0x80, 0xFF] + inner("}\"}"),
            JSONWriter.bytes(["oslo.version": "2.0", "oslo.message": .string("{\"method\": \"rpc_\u{FFFD}ping\", \"args\": {}}")]) + [0xED, 0xA0, 0x80],
            // Reply addresses and ids no broker takes: dropped, never published.
            client.call("\"method\": \"rpc_ping\", \"args\": {}").replacing(Array(client.replyQueue.utf8), with: Array(String(repeating: "q", count: 300).utf8)),
            JSONWriter.bytes(["oslo.version": "2.0", "oslo.message": .string(
                "{\"method\": \"rpc_ping\", \"_msg_id\": \"\(String(repeating: "m", count: 1 << 20))\", \"_reply_q\": \"\(client.replyQueue)\"}")]),
            client.call("\"method\": \"rpc_ping\", \"args\": {}, \"_unique_id\": \"\(String(repeating: "u", count: 1 << 20))\""),
            // Over the 16 MiB cap, its reply address at the end.
            client.call("\"method\": \"rpc_ping\", \"args\": {\"pad\": \"\(String(repeating: "p", count: 17 << 20))\"}", messageID: "big"),
        ]
        try await onOwnThread("raw-amqp") { [bodies] in try client.sendAll(bodies, topic: daemon.topic) }
        let replies = try await onOwnThread("raw-amqp") {
            try client.send(client.call("\"method\": \"rpc_ping\", \"args\": {}", messageID: "final"), topic: daemon.topic)
            return try client.replies(until: "final", timeout: 60)
        }
        #expect(replies.last?["result"] == true)
        #expect(daemon.isRunning)
        // Whatever failed, failed as a Python exception a caller can read; nothing failed as a Swift error.
        let classes = Set(replies.compactMap(RawAMQPClient.failureClass))
        #expect(!classes.isEmpty)
        let swiftErrors = replies.filter { RawAMQPClient.failureClass($0) == "RuntimeError" }.compactMap(RawAMQPClient.failureMessage)
        #expect(swiftErrors.isEmpty, "\(swiftErrors.map { $0.prefix(200) })")
        #expect(await daemon.stop() == 0)
    }
}
