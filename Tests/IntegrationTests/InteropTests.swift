import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

/// Trove's control plane, played by real oslo.messaging, against the real daemon over a real RabbitMQ.
@Suite(.needsServices) struct InteropTests {
    func daemonAndClient(config: [String: [String: String]] = [:]) async throws -> (AgentDaemon, PythonPeer) {
        let port = try TestEnvironment.amqpPort()
        let daemon = try AgentDaemon(amqpPort: port, config: config)
        try await daemon.start()
        let client = try await PythonPeer("client", url: PythonPeer.amqpURL(port: port), topic: daemon.topic)
        return (daemon, client)
    }

    @Test func rpcPingAnswersTrue() async throws {
        let (daemon, client) = try await daemonAndClient()
        let answer = try await client.call("rpc_ping")
        #expect(answer == ["ok": true, "result": true])
        #expect(await daemon.stop() == 0)
    }

    @Test func filesystemStatsHaveTrovesShape() async throws {
        let (daemon, client) = try await daemonAndClient()
        let answer = try await client.call("get_filesystem_stats", ["fs_path": nil])
        let stats = try #require(answer["result"]?.objectValue)
        #expect(Set(stats.keys) == ["block_size", "total_blocks", "free_blocks", "total", "free", "used"])
        var expected = statvfs()
        #expect(statvfs(daemon.directory.appendingPathComponent("mount").path, &expected) == 0)
        #expect(stats["block_size"] == .int(Int64(expected.f_bsize)))
        #expect(stats["total_blocks"] == .int(Int64(expected.f_blocks)))
        #expect(stats["total"]?.doubleValue ?? 0 > 0)
        #expect(stats["free"]?.intValue ?? 0 > 0)
    }

    @Test func unsupportedMethodsRaiseTrovesException() async throws {
        let (daemon, client) = try await daemonAndClient()
        defer { withExtendedLifetime(daemon) {} }
        let answer = try await client.call("enable_root")
        #expect(answer["class"] == "DatastoreOperationNotSupported")
        #expect(answer["module"] == "trove.common.exception")
        #expect(answer["message"] == "The 'enable_root' operation is not supported for the 'db2' datastore.")
    }

    @Test func guestModulesListNothingAndHaveNoDriver() async throws {
        let (daemon, client) = try await daemonAndClient()
        defer { withExtendedLifetime(daemon) {} }
        #expect(try await client.call("module_list", ["include_contents": false])["result"] == [])
        let ping: JSONValue = ["module": ["id": "m1", "name": "pinger", "type": "ping", "contents": "x", "md5": nil]]
        let apply = try await client.call("module_apply", ["modules": [ping]])
        #expect(apply["class"] == "ModuleTypeNotFound")
        #expect(apply["module"] == "trove.common.exception")
        #expect(apply["message"] == "No driver implemented for module type 'ping'")
        let unnamed = try await client.call("module_apply", ["modules": [["module": ["type": "ping", "contents": "x"]]]])
        #expect(unnamed["class"] == "AttributeError")
        #expect(unnamed["message"] == "Module name not specified")
        let remove = try await client.call("module_remove", ["module": ping])
        #expect(remove["class"] == "ModuleTypeNotFound")
    }

    @Test func unknownMethodsAndVersionsRaiseOslosExceptions() async throws {
        let (daemon, client) = try await daemonAndClient()
        defer { withExtendedLifetime(daemon) {} }
        let unknown = try await client.call("get_hwinfo")
        #expect(unknown["class"] == "NoSuchMethod")
        #expect(unknown["message"] == "Endpoint does not support RPC method get_hwinfo")
        let newer = try await client.call("rpc_ping", version: "1.5")
        #expect(newer["class"] == "UnsupportedVersion")
        #expect(newer["message"] == "Endpoint does not support RPC version 1.5. Attempted method: rpc_ping")
    }

    @Test func wrongArgumentsRaiseTypeError() async throws {
        let (daemon, client) = try await daemonAndClient()
        defer { withExtendedLifetime(daemon) {} }
        let extra = try await client.call("rpc_ping", ["surprise": 1])
        #expect(extra["class"] == "TypeError")
        #expect(extra["message"] == "rpc_ping() got an unexpected keyword argument 'surprise'")
        let wrongType = try await client.call("get_filesystem_stats", ["fs_path": 42])
        #expect(wrongType["class"] == "TypeError")
    }

    @Test func castsAreServedToo() async throws {
        let (daemon, client) = try await daemonAndClient()
        try await client.cast("enable_root")
        try await daemon.waitForLog("RPC cast failed")
        #expect(try await client.call("rpc_ping")["result"] == true)
    }

    @Test func theConductorReceivesHeartbeatsOncePrepareHasCompleted() async throws {
        let port = try TestEnvironment.amqpPort()
        let conductorTopic = "trove-conductor-\(UUID().uuidString.prefix(8))"
        let conductor = try await PythonPeer("conductor", url: PythonPeer.amqpURL(port: port), topic: conductorTopic)
        let daemon = try AgentDaemon(amqpPort: port, config: ["DEFAULT": ["conductor_queue": conductorTopic]])
        try await daemon.start()
        try Data().write(to: daemon.directory.appendingPathComponent(".guestagent.prepare.end"))
        let first = try await conductor.waitForCall("a heartbeat") { $0["method"] == "heartbeat" }
        let second = try await conductor.waitForCall("a second heartbeat") {
            $0["method"] == "heartbeat" && $0["args"]?["sent"] != first["args"]?["sent"]
        }
        let args = try #require(first["args"])
        #expect(args["instance_id"] == .string(daemon.guestID))
        // A status Trove's conductor knows (which one depends on the DB2 instance; the DB2 tests check that).
        let status = try #require(args["payload"]?["service_status"]?.stringValue)
        #expect(["running", "shutdown", "crashed"].contains(status))
        let sent = try #require(args["sent"]?.doubleValue)
        #expect(abs(sent - Date().timeIntervalSince1970) < 60)
        #expect(try #require(second["args"]?["sent"]?.doubleValue) > sent)
        #expect(first["context"]?["request_id"]?.stringValue?.hasPrefix("req-") == true)
    }
}
