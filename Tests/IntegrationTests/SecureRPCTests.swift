import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

/// Trove's secure RPC (Ocata–Ussuri, `instance_rpc_encr_key`) against real oslo.messaging peers that encrypt and
/// decrypt as Trove's serializers do (Tests/Interop/peer.py).
@Suite(.needsServices) struct SecureRPCTests {
    static let key = "0123456789abcdef0123456789abcdef"

    func encryptedDaemon(conductorTopic: String? = nil) async throws -> AgentDaemon {
        var defaults = ["instance_rpc_encr_key": Self.key]
        if let conductorTopic { defaults["conductor_queue"] = conductorTopic }
        let daemon = try AgentDaemon(amqpPort: try TestEnvironment.amqpPort(), config: ["DEFAULT": defaults])
        try await daemon.start()
        return daemon
    }

    @Test func encryptedCallsAndCastsAreServed() async throws {
        let daemon = try await encryptedDaemon()
        let url = PythonPeer.amqpURL(port: try TestEnvironment.amqpPort())
        let client = try await PythonPeer("client", url: url, topic: daemon.topic, extra: ["--key", Self.key])
        #expect(try await client.call("rpc_ping", context: ["request_id": "req-secure"]) == ["ok": true, "result": true])
        let stats = try await client.call("get_filesystem_stats", ["fs_path": nil])
        #expect(stats["result"]?["block_size"]?.intValue ?? 0 > 0)
        try await client.cast("enable_root")
        try await daemon.waitForLog("RPC cast failed")
        // The context really was encrypted on the wire and decrypted by the agent: its request id is in the log.
        try await daemon.waitForLog("request_id=req-secure")
        #expect(await daemon.stop() == 0)
    }

    @Test func theConductorDecryptsHeartbeats() async throws {
        let port = try TestEnvironment.amqpPort()
        let topic = "trove-conductor-\(UUID().uuidString.prefix(8))"
        let conductor = try await PythonPeer(
            "conductor", url: PythonPeer.amqpURL(port: port), topic: topic, extra: ["--key", Self.key])
        let daemon = try await encryptedDaemon(conductorTopic: topic)
        try Data().write(to: daemon.directory.appendingPathComponent(".guestagent.prepare.end"))
        let heartbeat = try await conductor.waitForCall("an encrypted heartbeat") { $0["method"] == "heartbeat" }
        #expect(heartbeat["args"]?["instance_id"] == .string(daemon.guestID))
        #expect(heartbeat["args"]?["payload"]?["service_status"]?.stringValue != nil)
        #expect(heartbeat["args"]?["sent"]?.doubleValue != nil)
        #expect(heartbeat["context"]?["request_id"]?.stringValue?.hasPrefix("req-") == true)
    }

    @Test func aPeerWithAnotherKeyGetsAClearFailure() async throws {
        let daemon = try await encryptedDaemon()
        let client = try await PythonPeer(
            "client", url: PythonPeer.amqpURL(port: try TestEnvironment.amqpPort()), topic: daemon.topic,
            extra: ["--key", "not-the-instance-key"])
        let answer = try await client.call("rpc_ping")
        #expect(answer["ok"] == false)
        #expect(answer["message"]?.stringValue?.contains("could not be decrypted") == true)
        #expect(!daemon.logText.contains(Self.key))
    }

    @Test func anUnencryptedPeerIsServedWhenNoKeyIsSet() async throws {
        let daemon = try AgentDaemon(amqpPort: try TestEnvironment.amqpPort())
        try await daemon.start()
        let client = try await PythonPeer(
            "client", url: PythonPeer.amqpURL(port: try TestEnvironment.amqpPort()), topic: daemon.topic)
        #expect(try await client.call("rpc_ping")["result"] == true)
    }
}
