import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

/// The daemon against the test broker's TLS listener (a self-signed CA, a certificate for "localhost").
@Suite(.needsServices) struct TLSTests {
    func tlsConfig(ca: String, host: String) throws -> [String: [String: String]] {
        let port = try TestEnvironment.require("AMQPS_PORT")
        return [
            "DEFAULT": ["transport_url": "rabbit://guest:guest@\(host):\(port)/"],
            "oslo_messaging_rabbit": ["ssl": "true", "ssl_ca_file": ca],
        ]
    }

    @Test func servesOverVerifiedTLS() async throws {
        let port = try TestEnvironment.amqpPort()
        let daemon = try AgentDaemon(
            amqpPort: port, config: try tlsConfig(ca: try TestEnvironment.require("AMQP_TLS_CA"), host: "localhost"))
        try await daemon.start()
        let client = try await PythonPeer("client", url: PythonPeer.amqpURL(port: port), topic: daemon.topic)
        #expect(try await client.call("rpc_ping")["result"] == true)
    }

    @Test func refusesABrokerWhoseCertificateDoesNotMatch() async throws {
        let port = try TestEnvironment.amqpPort()
        let wrongCA = try AgentDaemon(
            amqpPort: port, config: try tlsConfig(ca: try TestEnvironment.require("AMQP_TLS_WRONG_CA"), host: "localhost"))
        await #expect(throws: (any Error).self) { try await wrongCA.start(readyTimeout: 5) }
        #expect(wrongCA.logText.contains("AMQP connection failed"))
        let wrongName = try AgentDaemon(
            amqpPort: port, config: try tlsConfig(ca: try TestEnvironment.require("AMQP_TLS_CA"), host: "127.0.0.1"))
        await #expect(throws: (any Error).self) { try await wrongName.start(readyTimeout: 5) }
        #expect(wrongName.logText.contains("AMQP connection failed"))
    }
}
