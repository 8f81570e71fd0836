import AgentSupport
import DB2
import Foundation
import GuestAgent
import Logging
import OsloRPC
import Testing
import TestSupport

/// Every RPC method's argument reader, fed random and extreme arguments (fixed seed, bounded time): each either
/// accepts them or refuses them with an exception the caller can read (a ``RemoteErrorConvertible``), and nothing
/// traps. Only readers run (``GuestMethod``): no DB2 command, file or message comes of it.
@Suite struct MethodArgumentFuzzTests {
    static let seed: UInt64 = 0xA6E7_F022
    static let timeBudget = 3.0

    /// Trove's argument names per method (what passes `allowOnly`, so that the fuzz reaches the values).
    static let argumentNames: [String: [String]] = [
        "prepare": [
            "packages", "databases", "memory_mb", "users", "device_path", "mount_point", "backup_info",
            "config_contents", "root_password", "overrides", "cluster_config", "snapshot", "modules", "ds_version",
        ],
        "create_database": ["databases"], "delete_database": ["database"],
        "list_databases": ["limit", "marker", "include_marker"], "list_users": ["limit", "marker", "include_marker"],
        "create_user": ["users"], "delete_user": ["user"], "get_user": ["username", "hostname"],
        "list_access": ["username", "hostname"], "grant_access": ["username", "hostname", "databases"],
        "revoke_access": ["username", "hostname", "database"], "stop_db": ["do_not_start_on_reboot"],
        "start_db_with_conf_changes": ["config_contents"], "post_upgrade": ["upgrade_info"],
        "reset_configuration": ["configuration"], "update_overrides": ["overrides", "remove"],
        "apply_overrides": ["overrides"], "mount_volume": ["device_path", "mount_point", "write_to_fstab"],
        "unmount_volume": ["device_path", "mount_point"], "resize_fs": ["device_path", "mount_point"],
        "guest_log_action": ["log_name", "enable", "disable", "publish", "discard"],
        "get_filesystem_stats": ["fs_path"], "create_backup": ["backup_info"], "module_list": ["include_contents"],
        "module_apply": ["modules"], "module_remove": ["module"],
    ]

    /// A value for argument `name`: hostile through and through, or Trove's shape with hostile leaves.
    static func value(for name: String, _ fuzz: inout HostileJSON) -> JSONValue {
        if fuzz.chance(40) { return fuzz.value() }
        func leaf() -> JSONValue { fuzz.chance(20) ? .string(fuzz.pick(["app1", "alice", "MON_HEAP_SZ"])) : fuzz.value(depth: 1) }
        func schema() -> JSONValue { ["_name": leaf(), "_collate": leaf()] }
        func user() -> JSONValue { ["_name": leaf(), "_password": leaf(), "_databases": fuzz.chance(50) ? [schema()] : leaf()] }
        switch name {
        case "databases": return .array((0..<Int.random(in: 0...3, using: &fuzz.random)).map { _ in schema() })
        case "database": return schema()
        case "users": return .array((0..<Int.random(in: 0...3, using: &fuzz.random)).map { _ in user() })
        case "user": return user()
        case "overrides": return ["MON_HEAP_SZ": leaf(), "x": leaf()]
        case "configuration": return ["config_contents": leaf()]
        case "backup_info": return ["id": leaf(), "location": leaf(), "type": leaf(), "checksum": leaf(), "datastore": leaf()]
        case "modules": return [["module": ["name": leaf(), "contents": leaf(), "type": leaf()]]]
        case "module": return ["module": ["name": leaf(), "contents": leaf()]]
        default: return leaf()
        }
    }

    @Test func everyMethodsReaderRefusesHostileArgumentsCleanly() throws {
        let root = try makeTemporaryDirectory(prefix: "fuzz-methods")
        defer { try? FileManager.default.removeItem(at: root) }
        let harness = try BackupHarness(root: root)
        let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
        let manager = try DB2Manager(
            configuration: DB2ManagerConfiguration(
                instanceOwner: NSUserName(), instanceHome: root.path + "/home", mountPoint: root.path + "/mount"),
            logger: logger)
        let conductor = harness.publisher.makeConductor()
        let db2 = DB2Methods(
            manager: manager, conductor: conductor, markers: PrepareMarkers(directory: root), guestID: "guest-1",
            logger: logger)
        let endpoint = TroveGuestEndpoint(
            groups: [
                BasicMethods.methods(mountPoint: root.path),
                UnsupportedMethods.methods(
                    datastore: "db2", notifier: EndNotifier(conductor: conductor, guestID: "guest-1", logger: logger)),
                ModuleMethods.methods(), BackupMethods.methods(coordinator: harness.coordinator),
            ] + db2.groups)
        #expect(Set(Self.argumentNames.keys).isSubset(of: Set(endpoint.methodNames)))

        var fuzz = HostileJSON(seed: Self.seed)
        let deadline = Date().addingTimeInterval(Self.timeBudget)
        var accepted = 0
        var refused = 0
        while Date() < deadline {
            for method in endpoint.methodNames {
                var args: [String: JSONValue] = [:]
                for name in Self.argumentNames[method] ?? [] where fuzz.chance(70) {
                    args[name] = Self.value(for: name, &fuzz)
                }
                if fuzz.chance(5) { args[fuzz.pick(["pad", "_x", ""])] = fuzz.value(depth: 1) }
                do {
                    _ = try endpoint.read(RPCRequest(method: method, args: args))
                    accepted += 1
                } catch {
                    #expect(error is any RemoteErrorConvertible, "\(method) threw \(type(of: error)): \(error)")
                    refused += 1
                }
            }
            // The readers of create_backup's and prepare's backup_info, run by the coordinator.
            if case .object(let info) = Self.value(for: "backup_info", &fuzz) {
                // Refused as what the coordinator reports by name: an invalid backup_info, or Trove's exception.
                do { _ = try BackupRequest(backupInfo: info, context: RequestContext()) } catch {
                    if case .invalidBackupInfo = error {} else { Issue.record("backup_info refused with \(error)") }
                }
                do { _ = try RestoreRequest(backupInfo: info, context: RequestContext()) } catch let error as BackupOperationError {
                    if case .invalidBackupInfo = error {} else { Issue.record("backup_info refused with \(error)") }
                } catch {
                    #expect(error is TroveError, "backup_info refused with \(type(of: error)): \(error)")
                }
            }
        }
        #expect(accepted > 20 && refused > 20, "accepted \(accepted), refused \(refused)")
    }
}
