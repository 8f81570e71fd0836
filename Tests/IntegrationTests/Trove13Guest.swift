import AgentSupport
import Foundation
import TestSupport

/// A guest of Trove 13's control plane: the instance Trove made (its row, its fake Nova server and, when secure, its
/// `instance_rpc_encr_key`), a db2sim instance, and the agent started with the `guest_info.conf` Trove's taskmanager
/// injects, casting to the control plane's conductor.
final class Trove13Guest: Sendable {
    let instanceID: String
    /// The instance's RPC key, as Trove stored it (nil: plain RPC).
    let key: String?
    /// The `guest_info.conf` Trove's `get_injected_files` wrote.
    let guestInfo: String
    let db2: DB2SimulatorHome
    let daemon: AgentDaemon

    var mountPoint: String { db2.mountPoint }

    /// Creates the instance in Trove's database and starts its agent.
    ///
    /// - Parameter config: `[section][key]` entries over the defaults (db2sim, the conductor's topic, `log_file`).
    init(control: TroveControlPlane, port: Int, secure: Bool, config: [String: [String: String]] = [:]) async throws {
        let created = try await control.run("create_instance", ["secure": .bool(secure)])
        guard let id = created["instance_id"]?.stringValue, let guestInfo = created["guest_info"]?.stringValue else {
            throw BackupTestFailure("create_instance answered \(created)")
        }
        instanceID = id
        key = created["key"]?.stringValue
        self.guestInfo = guestInfo
        db2 = try await DB2SimulatorHome()
        var sections = db2.config(["command_timeout": "60"])
        sections["DEFAULT", default: [:]].merge([
            "conductor_queue": control.conductorTopic,
            // A log file besides stderr: the agent's `guest` log, which Trove shows to admins.
            "log_file": db2.root.appendingPathComponent("trove-guestagent.log").path,
        ]) { $1 }
        for (section, values) in config { sections[section, default: [:]].merge(values) { $1 } }
        daemon = try AgentDaemon(amqpPort: port, guestID: id, config: sections, guestInfo: guestInfo)
        try await daemon.start()
    }

    /// Stops the agent and DB2 (the directories go with the objects).
    func stop() async {
        _ = await daemon.stop()
        _ = try? await db2.shell("db2stop force >/dev/null 2>&1")
    }
}
