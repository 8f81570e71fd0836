import AgentSupport
import Foundation
import TestSupport

/// The `trove-db2-agent` executable run as a daemon for a test, with Trove-style config files
/// (`trove-guestagent.conf` + `guest_info.conf`) in a temporary directory that is also its `$HOME`.
final class AgentDaemon: @unchecked Sendable {
    // @unchecked: `child` and `logs` are set once, by start(), before anything reads them.
    let guestID: String
    let directory: URL
    let configFiles: [URL]
    private var child: ChildProcess?
    private(set) var logs: LineReader!

    /// - Parameters:
    ///   - config: extra `[section] key = value` lines, which override the defaults written here.
    ///   - guestInfo: the whole `guest_info.conf`, as Trove's taskmanager injects it (default: `guest_id`,
    ///     `datastore_manager` and `tenant_id` lines).
    init(amqpPort: Int, guestID: String? = nil, config: [String: [String: String]] = [:], guestInfo: String? = nil) throws {
        self.guestID = guestID ?? "g\(UUID().uuidString.prefix(8).lowercased())"
        directory = try makeTemporaryDirectory(prefix: "agent-\(self.guestID)")
        let mount = directory.appendingPathComponent("mount")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        var sections: [String: [String: String]] = [
            "DEFAULT": [
                "transport_url": "rabbit://guest:guest@127.0.0.1:\(amqpPort)/",
                "control_exchange": "trove",
                "report_interval": "1",
                "debug": "true",
                // The agent's own records (the OS accounts it created...) stay with the test.
                "state_dir": directory.appendingPathComponent("state").path,
            ],
            "db2": [
                "mount_point": mount.path,
                "instance_owner": NSUserName(),
                "instance_home": directory.path,
            ],
            "oslo_messaging_rabbit": ["heartbeat_timeout_threshold": "10", "rabbit_retry_interval": "1",
                                      "rabbit_interval_max": "2"],
        ]
        for (section, values) in config { sections[section, default: [:]].merge(values) { $1 } }
        let main = directory.appendingPathComponent("trove-guestagent.conf")
        try Self.ini(sections).write(to: main, atomically: true, encoding: .utf8)
        let guestInfoFile = directory.appendingPathComponent("guest_info.conf")
        try (guestInfo ?? "[DEFAULT]\nguest_id=\(self.guestID)\ndatastore_manager=db2\ntenant_id=test-tenant\n")
            .write(to: guestInfoFile, atomically: true, encoding: .utf8)
        configFiles = [main, guestInfoFile]
    }

    static func ini(_ sections: [String: [String: String]]) -> String {
        sections.keys.sorted { $0 == "DEFAULT" ? true : $1 == "DEFAULT" ? false : $0 < $1 }.map { section in
            "[\(section)]\n" + sections[section]!.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)\n" }.joined()
        }.joined(separator: "\n")
    }

    var topic: String { "guestagent.\(guestID)" }
    var pid: Int32 { child?.pid ?? 0 }
    var isRunning: Bool { child?.isRunning ?? false }

    /// Starts the daemon and waits until it consumes from its queue.
    func start(readyTimeout: Double = 60, environment extra: [String: String] = [:]) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        environment.merge(extra) { $1 }
        let child = try ChildProcess(
            try TestEnvironment.binDirectory().appendingPathComponent("trove-db2-agent").path,
            ["run"] + configFiles.flatMap { ["--config-file", $0.path] }, environment: environment,
            stdin: .null, stdout: .null, stderr: .pipe)
        self.child = child
        try Data().write(to: logFile)
        logs = LineReader(child.standardError!, echo: try FileHandle(forWritingTo: logFile))
        _ = try await waitForLog("consuming RPC", timeout: readyTimeout)
    }

    var logFile: URL { directory.appendingPathComponent("agent.log") }

    @discardableResult
    func waitForLog(_ text: String, after index: Int = 0, timeout: Double = 30) async throws -> (index: Int, line: String) {
        try await logs.waitForLine(from: index, timeout: timeout, describe: "'\(text)' in the agent log") { $0.contains(text) }
    }

    var logText: String { logs.allLines.joined(separator: "\n") }

    /// Sends `signal` and waits for the process to end; returns its exit status.
    func stop(signal: Int32 = SIGTERM, timeout: Double = 30) async -> Int32 {
        guard let child else { return -1 }
        child.signal(signal)
        if let status = await child.wait(timeout: timeout) { return status }
        child.kill()
        return child.exitStatus ?? -1
    }

    deinit {
        child?.kill()
        // TEST_KEEP_DIRS=1 keeps the config and agent.log of every daemon for a post-mortem.
        if TestEnvironment.optional("TEST_KEEP_DIRS") == nil { try? FileManager.default.removeItem(at: directory) }
    }
}
