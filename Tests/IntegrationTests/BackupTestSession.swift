import AgentSupport
import Foundation
import OsloRPC
import TestSupport

/// What the backup tests share: the broker, the Swift, a conductor queue and a container of their own, and
/// helpers to read what the conductor heard. Each instance made through ``instance(config:tmpfsBytes:)`` is
/// removed by ``finish()``.
final class BackupTestSession: @unchecked Sendable {
    // @unchecked: `instances` is only touched by the test's own task.
    let port: Int
    let swift: BackupTestSwift
    let conductorTopic = "trove-conductor-\(UUID().uuidString.prefix(8))"
    let container = "backups-\(UUID().uuidString.prefix(8).lowercased())"
    /// Trove's conductor (a real oslo.messaging server on ``conductorTopic``).
    private(set) var conductor: PythonPeer
    private var instances: [BackupTestInstance] = []

    /// Options of every oslo.messaging peer (e.g. `--durable`).
    let peerOptions: [String]
    /// The transport URL of every peer and agent, when it is not the broker at `port` (e.g. every node of a cluster).
    let brokerURL: String?

    /// - Parameters:
    ///   - port: a broker of the test's own (default: the one `scripts/test` started).
    ///   - brokerURL: a transport URL for every peer and agent instead (e.g. listing every node of a cluster).
    init(port: Int? = nil, peerOptions: [String] = [], brokerURL: String? = nil) async throws {
        self.port = try port ?? TestEnvironment.amqpPort()
        self.peerOptions = peerOptions
        self.brokerURL = brokerURL
        swift = try await BackupTestSwift.load()
        conductor = try await PythonPeer(
            "conductor", url: brokerURL ?? PythonPeer.amqpURL(port: self.port), topic: conductorTopic, extra: peerOptions)
    }

    /// Runs `body` with a new session, removing everything it made whatever happens.
    static func run(
        port: Int? = nil, peerOptions: [String] = [], brokerURL: String? = nil,
        _ body: (BackupTestSession) async throws -> Void
    ) async throws {
        let session = try await BackupTestSession(port: port, peerOptions: peerOptions, brokerURL: brokerURL)
        do { try await body(session) } catch {
            await session.finish()
            throw error
        }
        await session.finish()
    }

    /// Runs `body` with a private service started by its script (`scripts/rabbitmq` or `scripts/swift-store`) in a
    /// new directory, given the directory and the value of `variable` in the `env` file it writes; stops it and
    /// removes the directory afterwards, whatever happens.
    static func withService(
        script: String, prefix: String, variable: String, _ body: (URL, String) async throws -> Void
    ) async throws {
        let directory = try makeTemporaryDirectory(prefix: prefix)
        func stop() async {
            _ = try? await ProcessRunner.run(script, ["stop", directory.path])
            try? FileManager.default.removeItem(at: directory)
        }
        do {
            let started = try await ProcessRunner.run(script, ["start", directory.path])
            guard started.succeeded else { throw BackupTestFailure("\(script) start failed: \(started.stderr)") }
            let environment = try String(contentsOf: directory.appendingPathComponent("env"), encoding: .utf8)
            guard let value = environment.split(separator: "\n").first(where: { $0.hasPrefix(variable + "=") })
                .map({ String($0.dropFirst(variable.count + 1)) })
            else { throw BackupTestFailure("no \(variable) in \(environment)") }
            try await body(directory, value)
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    /// Small segments, so that even a small backup is a static large object of several segments.
    var defaults: [String: [String: String]] {
        ["DEFAULT": ["backup_swift_container": container, "backup_segment_max_size": "4096", "backup_chunk_size": "1024"]]
    }

    /// A new guest (not started), with the session's defaults under `config`.
    func instance(config: [String: [String: String]] = [:], tmpfsBytes: Int? = nil) async throws -> BackupTestInstance {
        var merged = defaults
        for (section, values) in config { merged[section, default: [:]].merge(values) { $1 } }
        let instance = try await BackupTestInstance(
            amqpPort: port, conductorTopic: conductorTopic, config: merged, tmpfsBytes: tmpfsBytes,
            peerOptions: peerOptions, brokerURL: brokerURL)
        instances.append(instance)
        return instance
    }

    /// A started guest prepared with `databases`, each holding an empty table `ROWS (id integer)`.
    func preparedInstance(databases: [String] = ["SAMPLE"], config: [String: [String: String]] = [:], tmpfsBytes: Int? = nil)
        async throws -> BackupTestInstance
    {
        let instance = try await instance(config: config, tmpfsBytes: tmpfsBytes)
        try await instance.start()
        let status = try await instance.prepare(databases: databases, conductor: conductor)
        guard status == "running" else { throw BackupTestFailure("prepare ended \(status)") }
        for database in databases {
            try await instance.succeed(
                "db2 connect to \(database) >/dev/null && db2 \"create table ROWS (id integer not null)\" >/dev/null")
        }
        return instance
    }

    /// A started guest prepared with `ORDERS` and `SAMPLE`, 3000 rows in each, and the name of the database its
    /// backups take last (they follow `list_databases`' order): tests stop or break a backup there, once the first
    /// image is on its way to storage.
    func instanceWithTwoDatabases(config: [String: [String: String]] = [:]) async throws
        -> (instance: BackupTestInstance, backedUpLast: String)
    {
        let instance = try await preparedInstance(databases: ["ORDERS", "SAMPLE"], config: config)
        try await insertRows(3000, into: "ORDERS", of: instance)
        try await insertRows(3000, into: "SAMPLE", of: instance)
        let listed = try await instance.client.call("list_databases", ["limit": nil, "marker": nil, "include_marker": false])
        let order = listed["result"]?.arrayValue?.first?.arrayValue?.compactMap { $0["_name"]?.stringValue } ?? []
        guard let last = order.last else { throw BackupTestFailure("list_databases listed nothing: \(listed)") }
        return (instance, last)
    }

    /// Inserts rows 1...count into `ROWS` of `database` (one statement).
    func insertRows(_ count: Int, into database: String, of instance: BackupTestInstance) async throws {
        let values = (1...count).map { "(\($0))" }.joined(separator: ",")
        try await instance.succeed("db2 connect to \(database) >/dev/null && db2 \"insert into ROWS values \(values)\" >/dev/null")
    }

    /// Creates table `BIG (id, pad varchar(20000))` in `database` and fills it with `count` rows of 20 000 random
    /// characters (about 20 KB each, which gzip barely shrinks).
    func insertIncompressibleRows(_ count: Int, into database: String, of instance: BackupTestInstance) async throws {
        try await instance.succeed(
            "db2 connect to \(database) >/dev/null && db2 \"create table BIG (id integer not null, pad varchar(20000))\" >/dev/null")
        let script = instance.root.appendingPathComponent("big-\(UUID().uuidString.prefix(8)).sql")
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var statements: [String] = []
        for batch in stride(from: 0, to: count, by: 50) {
            let rows = (batch..<min(count, batch + 50)).map { row in
                "(\(row),'\(String((0..<20_000).map { _ in alphabet.randomElement(using: &generator)! }))')"
            }
            statements.append("insert into BIG values " + rows.joined(separator: ",") + ";")
        }
        try statements.joined(separator: "\n").write(to: script, atomically: true, encoding: .utf8)
        try await instance.succeed("db2 connect to \(database) >/dev/null && db2 -tf '\(script.path)' >/dev/null")
        try FileManager.default.removeItem(at: script)
    }

    /// A request context with a fresh token and the Swift in its service catalog.
    func context() async throws -> [String: JSONValue] {
        let (token, storageURL) = try await swift.authenticate()
        return swift.context(token: token, storageURL: storageURL)
    }

    /// The `update_backup` casts the conductor received for `backupID`, in order.
    func updates(_ backupID: String) -> [[String: JSONValue]] {
        conductor.received.filter { $0["method"] == "update_backup" && $0["args"]?["backup_id"]?.stringValue == backupID }
            .compactMap { $0["args"]?.objectValue }
    }

    /// The states reported for `backupID`, in order.
    func states(_ backupID: String) -> [String] { updates(backupID).compactMap { $0["state"]?.stringValue } }

    /// Waits for `COMPLETED` or `FAILED` for `backupID`; returns its fields.
    func waitForEnd(_ backupID: String, timeout: Double = 180) async throws -> [String: JSONValue] {
        let call = try await conductor.waitForCall(timeout: timeout, "the end of backup \(backupID)") { call in
            call["method"] == "update_backup" && call["args"]?["backup_id"]?.stringValue == backupID
                && ["COMPLETED", "FAILED"].contains(call["args"]?["state"]?.stringValue ?? "")
        }
        return call["args"]?.objectValue ?? [:]
    }

    /// Backs up `instance` (on `parent`, Trove's `{location, checksum}`, when given) and waits for the end;
    /// returns the id and the final fields.
    func backup(
        _ instance: BackupTestInstance, context: [String: JSONValue], parent: JSONValue = nil
    ) async throws -> (id: String, end: [String: JSONValue]) {
        let id = UUID().uuidString.lowercased()
        try await instance.createBackup(id: id, context: context, parent: parent)
        return (id, try await waitForEnd(id))
    }

    /// Trove's `parent` for a child of the backup that ended with `end`.
    static func parent(_ end: [String: JSONValue]) -> JSONValue {
        ["location": end["location"] ?? nil, "checksum": end["checksum"] ?? nil]
    }

    /// The restore request prepare carries, as the taskmanager builds it from a COMPLETED backup.
    static func restoreInfo(_ id: String, _ end: [String: JSONValue], for instance: BackupTestInstance) -> JSONValue {
        [
            "id": .string(id), "instance_id": .string(instance.guestID), "location": end["location"] ?? nil,
            "type": end["backup_type"] ?? nil, "checksum": end["checksum"] ?? nil,
        ]
    }

    /// The objects of backup `id` in the session's container (segments and manifest).
    func storedObjects(of id: String) async throws -> [String] {
        try await swift.list(container: container).filter { $0.hasPrefix(id) }
    }

    /// Stops the conductor and starts a new one on the same topic (it declares its queue again, as a conductor
    /// does when it reconnects). What the old one received is forgotten.
    func replaceConductor() async throws {
        conductor.stop()
        conductor = try await PythonPeer(
            "conductor", url: PythonPeer.amqpURL(port: port), topic: conductorTopic, extra: peerOptions)
    }

    /// Stops every daemon and removes every instance and the conductor.
    func finish() async {
        for instance in instances {
            _ = await instance.daemon.stop()
            await instance.remove()
        }
        conductor.stop()
    }
}
