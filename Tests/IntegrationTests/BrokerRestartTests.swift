import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

/// Broker failures, on a broker of the test's own so that other tests are not disturbed.
@Suite(.needsServices) struct BrokerRestartTests {
    @Test func theDaemonServesAgainAfterTheBrokerRestarts() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/rabbitmq").path
        let brokerDir = try makeTemporaryDirectory(prefix: "broker-restart")
        let started = try await ProcessRunner.run(script, ["start", brokerDir.path])
        #expect(started.succeeded, "\(started.stderr)")
        defer {
            _ = (try? ChildProcess(script, ["stop", brokerDir.path], stdout: .null, stderr: .null))?.waitBlocking()
            try? FileManager.default.removeItem(at: brokerDir)
        }
        let env = try String(contentsOf: brokerDir.appendingPathComponent("env"), encoding: .utf8)
        let port = try #require(env.split(separator: "\n").first { $0.hasPrefix("AMQP_PORT=") }
            .flatMap { Int($0.dropFirst("AMQP_PORT=".count)) })

        let daemon = try AgentDaemon(amqpPort: port)
        try await daemon.start()
        let before = daemon.logs.allLines.count
        let restarted = try await ProcessRunner.run(script, ["restart", brokerDir.path])
        #expect(restarted.succeeded, "\(restarted.stderr)")
        // The retry cap in the daemon's config is 2 s: it must be consuming again soon after the broker is back.
        try await daemon.waitForLog("consuming RPC", after: before, timeout: 30)
        let client = try await PythonPeer("client", url: PythonPeer.amqpURL(port: port), topic: daemon.topic)
        #expect(try await client.call("rpc_ping")["result"] == true)
        #expect(daemon.logText.contains("AMQP connection failed"))
        #expect(await daemon.stop() == 0)
    }
}
