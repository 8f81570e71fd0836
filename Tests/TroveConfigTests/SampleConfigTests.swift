import AgentSupport
import Foundation
import Testing
import TestSupport

@testable import TroveConfig

/// The sample files under `etc/` load cleanly and mean what their comments say.
@Suite struct SampleConfigTests {
    /// The repository root, from this file's path (`Tests/TroveConfigTests/<file>`).
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private func path(_ relative: String) -> String { Self.root.appendingPathComponent(relative).path }

    @Test func trovesInjectedSamplesLoadAsAGuestWouldReadThem() throws {
        let recorder = LogRecorder()
        let config = try AgentConfiguration.load(
            configFiles: [
                path("etc/trove/conf.d/guest_info.conf.sample"), path("etc/trove/conf.d/trove-guestagent.conf.sample"),
            ], logger: recorder.logger())
        #expect(config.guestID == "3f2c9b0e-6d5a-4c1e-9a51-0b7c2d4e8f10")
        #expect(config.datastoreManager == "db2")
        #expect(config.instanceRPCEncryptionKey?.revealed.count == 32)
        #expect(config.messaging.controlExchange == "trove")
        #expect(config.messaging.brokers.map(\.description) == ["trove@10.0.0.1:5672"])
        #expect(config.db2.backupStrategy == .online)
        #expect(config.storage.strategy == .swift)
        #expect(config.backup.encryptionKey.revealed == "CHANGE-ME-to-a-long-random-passphrase")
        let ignored = recorder.records.filter { $0.message.contains("ignored") || $0.message.contains("deprecated") }
        #expect(ignored.isEmpty, "the samples use only current names of known options: \(ignored.map(\.metadata))")
    }

    @Test func theSamplesDirectoryLoadsLikeTrovesConfigDir() throws {
        // Trove's images run the agent with --config-dir=/etc/trove/conf.d; the samples end in .sample, so copy them.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conf.d-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["guest_info.conf", "trove-guestagent.conf"] {
            try FileManager.default.copyItem(
                atPath: path("etc/trove/conf.d/\(name).sample"), toPath: directory.appendingPathComponent(name).path)
        }
        let config = try AgentConfiguration.load(sources: [.directory(directory.path)], logger: LogRecorder().logger())
        #expect(config.guestID == "3f2c9b0e-6d5a-4c1e-9a51-0b7c2d4e8f10")
        #expect(config.messaging.controlExchange == "trove")
    }

    @Test func theDemoConfigurationLoadsOnceItsPlaceholdersAreFilled() throws {
        func filled(_ relative: String) throws -> (name: String, contents: String) {
            let text = try String(contentsOfFile: path(relative), encoding: .utf8)
                .replacing("@AMQP_PORT@", with: "35672").replacing("@DEMO_DIR@", with: "/tmp/demo")
                .replacing("@INSTANCE_DIR@", with: "/tmp/demo/a").replacing("@INSTANCE_OWNER@", with: "ci")
                .replacing("@GUEST_ID@", with: "demo-a")
            #expect(!text.contains(try Regex("@[A-Z_]+@")), "\(relative) has a placeholder the demo does not fill")
            return (relative, text)
        }
        let recorder = LogRecorder()
        let config = try AgentConfiguration.parse(
            texts: [try filled("etc/demo/guest_info.conf"), try filled("etc/demo/trove-guestagent.conf")],
            logger: recorder.logger())
        #expect(config.guestID == "demo-a")
        #expect(config.messaging.brokers.map(\.hostAndPort) == ["127.0.0.1:35672"])
        #expect(config.messaging.controlExchange == "trove")
        #expect(config.storage.strategy == .local)
        #expect(config.storage.localPath == "/tmp/demo/backups")
        #expect(config.db2.backupStrategy == .online)
        #expect(config.db2.instanceOwner == "ci")
        #expect(config.db2.backupDirectory == "/tmp/demo/a/home/db2inst1/backup")
        #expect(config.stateDirectory == "/tmp/demo/a/state")
        #expect(!recorder.records.contains { $0.message.contains("ignored") })
    }
}
