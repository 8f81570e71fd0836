import AgentSupport
import Foundation
import OsloRPC
import TestSupport

/// A Trove guest for the backup tests: a db2sim instance home of its own (`<root>/home`, mount point
/// `<root>/home/db2inst1` as on a guest), the agent daemon on it with backups configured, and Trove's
/// taskmanager (a real oslo.messaging client) to talk to it. The test's conductor peer hears its casts.
final class BackupTestInstance: @unchecked Sendable {
    // @unchecked: `client` is set once by start() before use; everything else is immutable.
    /// The db2sim instance home (removed with the instance).
    let simulator: DB2SimulatorHome
    let daemon: AgentDaemon
    private(set) var client: PythonPeer!
    let amqpPort: Int
    /// The transport URL of the agent and of Trove's client (default: the broker at `amqpPort`).
    let brokerURL: String
    private let peerOptions: [String]

    var root: URL { simulator.root }
    var home: String { simulator.home }
    var mountPoint: String { simulator.mountPoint }
    var guestID: String { daemon.guestID }
    var backupDirectory: String { mountPoint + "/backup" }

    /// Installs the instance and writes the agent's configuration (not started yet).
    ///
    /// - Parameters:
    ///   - conductorTopic: the test's own conductor queue.
    ///   - config: `[section][key]` entries over the defaults (strategy online, key, small segments...).
    ///   - tmpfsBytes: mount a tmpfs of this size on the mount point (a small disk; needs root).
    ///   - peerOptions: options of Trove's client peer (e.g. `--durable`).
    ///   - brokerURL: a transport URL for the agent and the client instead of the broker at `amqpPort` (e.g. every
    ///     node of a cluster).
    init(
        amqpPort: Int, conductorTopic: String, config: [String: [String: String]] = [:], tmpfsBytes: Int? = nil,
        peerOptions: [String] = [], brokerURL: String? = nil
    ) async throws {
        self.amqpPort = amqpPort
        self.brokerURL = brokerURL ?? PythonPeer.amqpURL(port: amqpPort)
        self.peerOptions = peerOptions
        simulator = try await DB2SimulatorHome()
        if let tmpfsBytes {
            let mounted = try await ProcessRunner.run(
                "/bin/mount", ["-t", "tmpfs", "-o", "size=\(tmpfsBytes)", "tmpfs", simulator.mountPoint])
            guard mounted.succeeded else {
                throw BackupTestFailure(
                    "this test needs a small file system: mount -t tmpfs failed (run the tests as root): \(mounted.stderr)")
            }
        }
        var sections = simulator.config(["command_timeout": "60"])
        sections["DEFAULT", default: [:]].merge([
            "conductor_queue": conductorTopic, "backup_aes_cbc_key": BackupTestInstance.aesKey,
            "backup_segment_max_size": "262144", "backup_chunk_size": "65536",
            "state_dir": simulator.root.appendingPathComponent("state").path,
            // A partial upload is listed again 2 s after a failure (the agent's default is 60 s).
            "storage_cleanup_settle_time": "2",
        ]) { $1 }
        if let brokerURL { sections["DEFAULT", default: [:]]["transport_url"] = brokerURL }
        for (section, values) in config { sections[section, default: [:]].merge(values) { $1 } }
        daemon = try AgentDaemon(amqpPort: amqpPort, config: sections)
    }

    static let aesKey = "backup-test-key-41"

    /// Starts the agent and Trove's client for it.
    ///
    /// - Parameter environment: extra variables for the agent (e.g. test hooks).
    func start(environment: [String: String] = [:]) async throws {
        try await daemon.start(environment: environment)
        if client == nil {
            client = try await PythonPeer(
                "client", url: brokerURL, topic: daemon.topic, extra: peerOptions)
        }
    }

    /// Casts `prepare` as Trove's taskmanager does and waits for the outcome heartbeat (`running` or
    /// `failed to spawn`), which it returns.
    @discardableResult
    func prepare(
        databases: [String], users: [JSONValue] = [], backupInfo: JSONValue = nil, context: [String: JSONValue] = [:],
        conductor: PythonPeer, timeout: Double = 120
    ) async throws -> String {
        var args = TroveDicts.prepare(databases: databases, users: users, mountPoint: mountPoint)
        args["backup_info"] = backupInfo
        try await client.cast("prepare", args, context: context)
        let guestID = self.guestID
        let heartbeat = try await conductor.waitForCall(timeout: timeout, "prepare's outcome for \(guestID)") { call in
            guard call["method"] == "heartbeat", call["args"]?["instance_id"]?.stringValue == guestID else { return false }
            let status = call["args"]?["payload"]?["service_status"]?.stringValue
            return status == "running" || status == "failed to spawn"
        }
        return heartbeat["args"]?["payload"]?["service_status"]?.stringValue ?? "?"
    }

    /// Casts `create_backup` for backup `id` in `context`; `parent` is Trove's `{location, checksum}` of the
    /// backup to build on (an incremental backup), or nil.
    func createBackup(id: String, context: [String: JSONValue], parent: JSONValue = nil) async throws {
        try await client.cast(
            "create_backup",
            [
                "backup_info": [
                    "id": .string(id), "name": "test backup", "description": nil, "instance_id": .string(guestID),
                    "backup_type": nil, "checksum": nil, "parent": parent, "datastore": "db2", "datastore_version": "11.5",
                ]
            ], context: context)
    }

    /// Runs `script` in a shell with the instance's DB2 environment (its CLP connections belong to that shell).
    func shell(_ script: String) async throws -> ProcessResult { try await simulator.shell(script) }

    /// Runs `script` and fails unless it exits 0; returns its output.
    @discardableResult
    func succeed(_ script: String) async throws -> String { try await simulator.succeed(script) }

    /// The rows of a single-column integer table, sorted.
    func ids(in table: String, database: String) async throws -> [Int] {
        let output = try await succeed("db2 connect to \(database) >/dev/null && db2 -x \"select id from \(table)\"")
        return output.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.sorted()
    }

    /// The database answers queries and takes a new row (it is usable).
    func checkUsable(_ database: String, table: String) async throws {
        try await succeed(
            "db2 connect to \(database) >/dev/null && db2 \"insert into \(table) values (-1)\" >/dev/null "
                + "&& db2 -x \"select count(*) from \(table)\" >/dev/null")
    }

    /// `db2sim fault ...` for this instance.
    func fault(_ arguments: [String]) async throws { try await simulator.fault(arguments) }

    /// How often the fault rules matching `text` have fired (from the fault control file).
    func faultFired(matching text: String) -> Int {
        guard let data = FileManager.default.contents(atPath: home + "/sqllib/db2sim/faults.json"),
            let rules = (try? JSONParser.parse(Array(data)))?["rules"]?.arrayValue
        else { return 0 }
        return rules.filter { $0["match"]?.stringValue == text }.compactMap { $0["fired"]?.intValue }.map(Int.init)
            .reduce(0, +)
    }

    /// Starts a writer inserting ids 1, 2, 3... into `table` of `database`, one committed row per statement.
    func startWriter(database: String, table: String) throws -> BackupTestWriter {
        try BackupTestWriter(instance: self, database: database, table: table)
    }

    /// Stops DB2 and unmounts (the daemon is stopped by its owner; the directory goes with ``simulator``).
    func remove() async {
        client?.stop()
        try? await fault(["clear"])
        _ = try? await shell("db2stop force >/dev/null 2>&1")
        _ = try? await ProcessRunner.run("/bin/umount", ["-l", mountPoint])
    }
}

/// A shell inserting rows one transaction at a time (ids 1, 2, 3...), writing each id to a file once DB2 said
/// the insert succeeded. Bounded: it stops by itself after 50 000 rows.
final class BackupTestWriter: Sendable {
    private let child: ChildProcess
    let directory: URL

    init(instance: BackupTestInstance, database: String, table: String) throws {
        directory = instance.root.appendingPathComponent("writer-\(table)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let acked = directory.appendingPathComponent("acked").path
        let stop = directory.appendingPathComponent("stop").path
        let errors = directory.appendingPathComponent("errors").path
        let script = """
            . '\(instance.home)/sqllib/db2profile' || exit 1
            db2 connect to \(database) >/dev/null || exit 1
            i=1
            while [ $i -le 50000 ] && [ ! -e '\(stop)' ]; do
                if out=$(db2 "insert into \(table) values ($i)"); then echo "$i $(date +%s.%N)" >> '\(acked)'; else echo "$i $out" >> '\(errors)'; fi
                i=$((i + 1))
            done
            db2 connect reset >/dev/null
            """
        child = try ChildProcess("/bin/sh", ["-c", script], stdin: .null, stdout: .null, stderr: .null)
    }

    /// Rows acknowledged so far.
    var acknowledged: Int {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("acked").path) else { return 0 }
        return data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// When each acknowledged row's insert had returned (Unix seconds): its commit happened before, the next
    /// row's after.
    var acknowledgedAt: [Int: Double] {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("acked").path) else { return [:] }
        var times: [Int: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let id = Int(parts[0]), let time = Double(parts[1]) { times[id] = time }
        }
        return times
    }

    /// Failed inserts (`id output` lines).
    var errors: String {
        FileManager.default.contents(atPath: directory.appendingPathComponent("errors").path)
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Asks the writer to stop and waits for it; returns the rows acknowledged.
    func stop() async -> Int {
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("stop").path, contents: nil)
        if await child.wait(timeout: 60) == nil { child.kill() }
        return acknowledged
    }

    deinit { child.kill() }
}
