import AgentSupport
import Foundation
import OsloRPC
import TestSupport

/// A db2sim instance for a daemon: installed with `db2sim install --home <dir>/home`, owned by the user running the
/// tests; ``config`` points `[db2] instance_home`, `mount_point` (`<home>/db2inst1`, DB2's local database directory
/// as on a Trove guest) and `instance_owner` at it. Removing the directory also ends its `db2sysc`.
final class DB2SimulatorHome: Sendable {
    let install: DB2SimulatorInstall

    var root: URL { install.root }
    var home: String { install.home }
    var mountPoint: String { "\(home)/db2inst1" }
    var profile: String { install.profile }

    init() async throws {
        install = try await DB2SimulatorInstall(root: try makeTemporaryDirectory(prefix: "db2sim-daemon"))
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
    }

    deinit {
        if TestEnvironment.optional("TEST_KEEP_DIRS") == nil { try? FileManager.default.removeItem(at: install.root) }
    }

    /// `[db2]` settings for the daemon (merged with `extra`).
    func config(_ extra: [String: String] = [:]) -> [String: [String: String]] {
        var db2 = [
            "instance_home": home, "mount_point": mountPoint, "instance_owner": NSUserName(),
            "backup_strategy": "DB2OnlineBackup", "volume_support": "false",
        ]
        db2.merge(extra) { $1 }
        return ["db2": db2, "DEFAULT": ["state_change_poll_time": "1"]]
    }

    /// Runs `script` in sh with the instance's environment (its own CLP back-end); returns what it printed.
    func shell(_ script: String) async throws -> ProcessResult { try await install.shell(script) }

    @discardableResult
    func succeed(_ script: String) async throws -> String { try await install.succeed(script) }

    /// `db2sim fault <arguments>` for this instance.
    func fault(_ arguments: [String]) async throws { try await install.fault(arguments) }

    /// `db2sim fault list`: one line per rule, with how often it `fired=`.
    func faultList() async throws -> String { try await install.faultList() }

    /// The value of a database configuration parameter.
    func databaseParameter(_ name: String, of database: String) async throws -> String? {
        let output = try await succeed("db2 get db cfg for \(database)")
        return output.split(separator: "\n").first { $0.contains("(\(name))") }
            .flatMap { $0.split(separator: "=", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// Trove's serialized dicts, as the control plane sends them.
enum TroveDicts {
    static func schema(_ name: String) -> JSONValue { ["_name": .string(name), "_collate": nil, "_character_set": nil] }

    static func user(_ name: String, password: String, databases: [String]) -> JSONValue {
        ["_name": .string(name), "_host": "%", "_password": .string(password), "_databases": .array(databases.map(schema))]
    }

    static func names(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap { $0["_name"]?.stringValue } ?? [] }

    /// prepare's arguments as the taskmanager sends them (no volume, no backup).
    static func prepare(databases: [String], users: [JSONValue], mountPoint: String, overrides: JSONValue = nil) -> [String: JSONValue] {
        [
            "packages": [], "databases": .array(databases.map(schema)), "memory_mb": 512, "users": .array(users),
            "device_path": nil, "mount_point": .string(mountPoint), "backup_info": nil, "config_contents": "",
            "root_password": nil, "overrides": overrides, "cluster_config": nil, "snapshot": nil, "modules": nil,
        ]
    }
}

/// Removes an OS account a test created, whatever happened.
func removeTestAccount(_ login: String) async {
    _ = try? await ProcessRunner.run("/usr/sbin/userdel", ["-r", login])
}

/// A user name no other test or account uses.
func uniqueLogin() -> String { "t" + UUID().uuidString.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(9) }

extension Optional where Wrapped == JSONValue {
    /// The element at `index` of an array value.
    func item(_ index: Int) -> JSONValue? {
        guard let array = self?.arrayValue, index < array.count else { return nil }
        return array[index]
    }
}
