import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

/// The agent driven by Trove 13.0.0's own code (Tests/Interop/trove13_peer.py): Trove's guest API client and REST
/// controllers call it, Trove's taskmanager code prepares and backs it up, and Trove's real conductor, on a database
/// made by Trove's migrations, takes its heartbeats, backup states and end notifications. Every RPC method of Trove's
/// DB2 guest manager is sent, plain and with Trove's secure serializer (`instance_rpc_encr_key`).
///
/// One guest per mode serves the whole sequence (each step leaves the instance as the next one expects), so the suite
/// costs two prepared instances and one backup each.
@Suite(.needsServices) struct Trove13InteropTests {
    @Test(arguments: [false, true])
    func everyMethodOfTrovesDB2ManagerThroughTrovesOwnCode(secure: Bool) async throws {
        let flow = try await Trove13Flow(secure: secure)
        do {
            try await flow.prepareCreatesEveryValidDatabaseAndEndsRunning()
            try await flow.databasesThroughTrovesAPI()
            try await flow.usersThroughTrovesAPI()
            try await flow.instanceDetailsVolumesAndUpgrades()
            try await flow.guestLogsForAdminsOnly()
            try await flow.modulesAndWhatDB2DoesNotSupport()
            try await flow.configurationAndLifecycle()
            let backupID = try await flow.backupReachesTrovesBackupRow()
            try await flow.restoreFromTrovesBackupRow(backupID)
            try await flow.everyMethodWasSent()
        } catch {
            await flow.finish()
            throw error
        }
        await flow.finish()
    }
}

/// One mode's sequence: the control plane, its guest, and the contexts Trove's API would build.
struct Trove13Flow {
    let secure: Bool
    let port: Int
    let control: TroveControlPlane
    let guest: Trove13Guest
    let swift: BackupTestSwift
    let container = "trove13-\(UUID().uuidString.prefix(8).lowercased())"
    /// The user prepare creates (an OS account: unique, as both modes run at once).
    let appUser = uniqueLogin()

    var instance: String { guest.instanceID }
    /// A project member's request (Trove's policy: owner of the instance).
    let member: [String: JSONValue] = ["tenant": "test", "is_admin": false]
    /// An admin's request.
    let admin: [String: JSONValue] = ["tenant": "test", "is_admin": true]

    init(secure: Bool) async throws {
        self.secure = secure
        port = try TestEnvironment.amqpPort()
        swift = try await BackupTestSwift.load()
        control = try await TroveControlPlane(port: port)
        guest = try await Trove13Guest(
            control: control, port: port, secure: secure,
            config: ["DEFAULT": ["backup_swift_container": container, "backup_aes_cbc_key": "trove13-interop-key"]])
        #expect(guest.guestInfo.contains("guest_id=\(guest.instanceID)\n"))
        #expect(guest.guestInfo.contains("instance_rpc_encr_key=") == secure, "Trove injects the key only for a secure instance")
    }

    func finish() async {
        await guest.stop()
        await removeTestAccount(appUser)
    }

    // MARK: - Reading what Trove's conductor did

    /// The report of the conductor message that matches `predicate`, printed after line `mark` (this control plane
    /// serves this flow's instances only). A report that never comes is recorded as a failure and read as null, so
    /// that the steps after it still run.
    func conductor(
        _ what: String, after mark: Int, timeout: Double = 60, where predicate: @escaping @Sendable (JSONValue) -> Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> JSONValue {
        do {
            return try await control.waitForConductor(after: mark, timeout: timeout, what, where: predicate)
        } catch {
            Issue.record("Trove's conductor never reported \(what): \(error)", sourceLocation: sourceLocation)
            return .null
        }
    }

    /// The end notification (`notify_end` or `notify_exc_info`) of `notificationClass` after line `mark`.
    func endNotification(
        _ method: String, of notificationClass: String, after mark: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async -> JSONValue {
        await conductor(
            "\(method) of \(notificationClass)", after: mark,
            where: { report in
                report["method"]?.stringValue == method
                    && report["serialized_notification"]?["notification_classname"]?.stringValue?.hasSuffix(notificationClass) == true
            }, sourceLocation: sourceLocation)
    }

    /// Checks what every message from this guest shows in either mode: Trove's conductor handled it without error,
    /// logged nothing at ERROR (unless it reports a guest's error, which Trove logs), and its context and every
    /// argument arrived encrypted for this instance (secure) or plain.
    func expectHandledCleanly(
        _ report: JSONValue, _ what: String, reportsAnError: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(report["ok"] == true, "Trove's conductor failed on \(what): \(Self.text(report["error"]))", sourceLocation: sourceLocation)
        if !reportsAnError {
            #expect(report["errors_logged"] == [], "Trove logged errors on \(what): \(Self.text(report["errors_logged"]))", sourceLocation: sourceLocation)
        }
        let expected: JSONValue = secure ? .string(instance) : .null
        #expect(report["context_encrypted_for"] == expected, "\(what): the context's csz-instance-id", sourceLocation: sourceLocation)
        let arguments = report["args_encrypted_for"]?.arrayValue ?? []
        let everyArgument = !arguments.isEmpty && arguments.allSatisfy { $0 == expected }
        #expect(everyArgument, "\(what): each argument's csz-instance-id: \(arguments)", sourceLocation: sourceLocation)
    }

    /// A value for a failure message.
    static func text(_ value: JSONValue?) -> String { value.map { JSONWriter.string($0) } ?? "(absent)" }

    static func events(_ report: JSONValue) -> [String] {
        report["notifications"]?.arrayValue?.compactMap { $0["event_type"]?.stringValue } ?? []
    }

    static func names(_ list: JSONValue?) -> [String] {
        list?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
    }

    /// The remote cause of a failed guest call (Trove's API wraps it in GuestError).
    static func cause(_ answer: JSONValue) -> (className: String?, message: String?) {
        (answer["cause"]?["class"]?.stringValue, answer["cause"]?["message"]?.stringValue)
    }

    // MARK: - prepare

    /// `prepare` as Trove's taskmanager sends it, with databases DB1..DB5 and one name DB2 refuses: every valid
    /// database is created, the invalid one is reported (agent log and an `instance_create.error` through
    /// `notify_exc_info`), the instance still ends `running`, and the end notification passes Trove's validation.
    func prepareCreatesEveryValidDatabaseAndEndsRunning() async throws {
        let mark = control.linesSoFar
        try await control.run(
            "prepare",
            [
                "instance": .string(instance), "mount_point": .string(guest.mountPoint), "context": .object(member),
                "databases": ["DB1", "DB2", "DB3", "DB4", "DB5", "BAD_DB"],
                "users": [["name": .string(appUser), "password": "App-pa55", "databases": [["name": "DB1"]]]],
            ])
        let active = try await control.run("wait_active", ["instance": .string(instance), "timeout": 120], timeout: 150)
        #expect(active["service_status"] == "running")

        let building = await conductor("the building heartbeat", after: mark) {
            $0["method"] == "heartbeat" && $0["payload"]?["service_status"] == "building"
        }
        expectHandledCleanly(building, "the building heartbeat")
        #expect(building["service_status"] == "building", "Trove's service_statuses row")
        let running = await conductor("the running heartbeat", after: mark) {
            $0["method"] == "heartbeat" && $0["payload"]?["service_status"] == "running"
        }
        expectHandledCleanly(running, "the running heartbeat")
        #expect(running["service_status"] == "running")

        // The end notification: flat, with instance_id, as Trove's EndNotification serializes it; Trove's conductor
        // validates its required traits and emits dbaas.instance_create.end.
        let end = await endNotification("notify_end", of: "DBaaSInstanceCreate", after: mark)
        expectHandledCleanly(end, "prepare's notify_end")
        #expect(end["serialized_notification"]?["instance_id"] == .string(instance))
        #expect(Self.events(end) == ["dbaas.instance_create.end"])
        #expect(end["notifications"].item(0)?["payload"]?["instance_id"] == .string(instance))

        // The database DB2 refused: an error notification naming it, recorded by Trove as the instance's fault.
        let refused = await endNotification("notify_exc_info", of: "DBaaSInstanceCreate", after: mark)
        expectHandledCleanly(refused, "the refused database's notify_exc_info", reportsAnError: true)
        #expect(refused["message"]?.stringValue?.contains("BAD_DB") == true, "\(Self.text(refused["message"]))")
        #expect(refused["serialized_notification"]?["instance_id"] == .string(instance))
        #expect(Self.events(refused) == ["dbaas.instance_create.error"])
        #expect(refused["fault"]?["message"]?.stringValue?.contains("BAD_DB") == true, "\(Self.text(refused["fault"]))")
        #expect(guest.daemon.logText.contains("BAD_DB"))

        let listed = try await control.rest(instance, "databases", "index", context: member)
        #expect(Self.names(listed["result"]?["body"]?["databases"]) == ["DB1", "DB2", "DB3", "DB4", "DB5"])
        let users = try await control.rest(instance, "users", "index", context: member)
        #expect(Self.names(users["result"]?["body"]?["users"]) == [appUser])
    }

    // MARK: - Databases

    /// `create_database`, `list_databases`, `delete_database` through the API's SchemaController: Trove's duplicate
    /// check (`Schema.create`: `list_databases` with the name as marker, `include_marker`), its pagination links,
    /// `Schemas.find`, and the end notifications.
    func databasesThroughTrovesAPI() async throws {
        var mark = control.linesSoFar
        let created = try await control.rest(instance, "databases", "create", body: ["databases": [["name": "SALES"]]], context: member)
        #expect(created["result"]?["status"] == 202, "\(created)")
        let createEnd = await endNotification("notify_end", of: "DBaaSDatabaseCreate", after: mark)
        expectHandledCleanly(createEnd, "create_database's notify_end")
        #expect(Self.events(createEnd) == ["dbaas.database_create.end"])
        #expect(createEnd["notifications"].item(0)?["payload"]?["dbname"] == "SALES")

        let duplicate = try await control.rest(instance, "databases", "create", body: ["databases": [["name": "SALES"]]], context: member)
        #expect(duplicate["class"] == "DatabaseAlreadyExists", "\(duplicate)")

        let firstPage = try await control.rest(instance, "databases", "index", query: ["limit": 2], context: member)
        #expect(Self.names(firstPage["result"]?["body"]?["databases"]) == ["DB1", "DB2"])
        let next = firstPage["result"]?["body"]?["links"].item(0)?["href"]?.stringValue ?? ""
        #expect(next.contains("marker=DB2"), "next link: \(next)")
        let secondPage = try await control.rest(instance, "databases", "index", query: ["limit": 2, "marker": "DB2"], context: member)
        #expect(Self.names(secondPage["result"]?["body"]?["databases"]) == ["DB3", "DB4"])

        mark = control.linesSoFar
        let deleted = try await control.rest(instance, "databases", "delete", id: "SALES", context: member)
        #expect(deleted["result"]?["status"] == 202, "\(deleted)")
        let deleteEnd = await endNotification("notify_end", of: "DBaaSDatabaseDelete", after: mark)
        expectHandledCleanly(deleteEnd, "delete_database's notify_end")
        #expect(Self.events(deleteEnd) == ["dbaas.database_delete.end"])
        let after = try await control.rest(instance, "databases", "index", context: member)
        let remaining = Self.names(after["result"]?["body"]?["databases"])
        #expect(!remaining.contains("SALES"), "\(remaining)")
        let missing = try await control.rest(instance, "databases", "delete", id: "NOPE", context: member)
        #expect(missing["class"] == "DatabaseNotFound", "\(missing)")
    }

    // MARK: - Users

    /// `create_user` (with `User.create`'s duplicate check: `list_users` marker `name@%`, `include_marker`),
    /// `list_users`, `get_user`, `list_access`, `grant_access`, `revoke_access`, `change_passwords`,
    /// `update_attributes` and `delete_user` through the API's user controllers.
    func usersThroughTrovesAPI() async throws {
        let login = uniqueLogin()
        defer { Task { await removeTestAccount(login) } }
        // Databases of this step's own, so that it depends on nothing prepare made.
        var mark = control.linesSoFar
        let databases = try await control.rest(instance, "databases", "create", body: ["databases": [["name": "UDB1"], ["name": "UDB2"]]], context: member)
        #expect(databases["result"]?["status"] == 202, "\(databases)")
        _ = await endNotification("notify_end", of: "DBaaSDatabaseCreate", after: mark)

        mark = control.linesSoFar
        let user: JSONValue = ["users": [["name": .string(login), "password": "Us3r-pass", "databases": [["name": "UDB1"]]]]]
        let created = try await control.rest(instance, "users", "create", body: user, context: member)
        #expect(created["result"]?["status"] == 202, "\(created)")
        let createEnd = await endNotification("notify_end", of: "DBaaSUserCreate", after: mark)
        expectHandledCleanly(createEnd, "create_user's notify_end")
        #expect(Self.events(createEnd) == ["dbaas.user_create.end"])

        // Trove refuses a user that exists, from the agent's own list (marker "<name>@%", include_marker).
        let duplicate = try await control.rest(instance, "users", "create", body: user, context: member)
        #expect(duplicate["class"] == "UserAlreadyExists", "\(duplicate)")

        let listed = try await control.rest(instance, "users", "index", context: member)
        let users = listed["result"]?["body"]?["users"]?.arrayValue ?? []
        #expect(Self.names(.array(users)).sorted() == [appUser, login].sorted())
        let entry = users.first { $0["name"]?.stringValue == login }
        #expect(entry?["host"] == "%")
        #expect(Self.names(entry?["databases"]) == ["UDB1"])
        let paged = try await control.rest(instance, "users", "index", query: ["limit": 1], context: member)
        #expect(paged["result"]?["body"]?["users"]?.arrayValue?.count == 1)
        #expect(paged["result"]?["body"]?["links"].item(0)?["href"]?.stringValue?.contains("marker=") == true)

        let shown = try await control.rest(instance, "users", "show", id: login, context: member)
        #expect(shown["result"]?["body"]?["user"]?["name"] == .string(login), "\(shown)")
        #expect(Self.names(shown["result"]?["body"]?["user"]?["databases"]) == ["UDB1"])

        let access = try await control.rest(instance, "user_access", "index", userID: login, context: member)
        #expect(Self.names(access["result"]?["body"]?["databases"]) == ["UDB1"], "\(access)")
        let granted = try await control.rest(instance, "user_access", "update", body: ["databases": [["name": "UDB2"]]], userID: login, context: member)
        #expect(granted["result"]?["status"] == 202, "\(granted)")
        let afterGrant = try await control.rest(instance, "user_access", "index", userID: login, context: member)
        #expect(Self.names(afterGrant["result"]?["body"]?["databases"]) == ["UDB1", "UDB2"])
        let revoked = try await control.rest(instance, "user_access", "delete", id: "UDB1", userID: login, context: member)
        #expect(revoked["result"]?["status"] == 202, "\(revoked)")
        let afterRevoke = try await control.rest(instance, "user_access", "index", userID: login, context: member)
        #expect(Self.names(afterRevoke["result"]?["body"]?["databases"]) == ["UDB2"])

        // Not supported for DB2, and raised inside Trove's end-notification wrapper: the conductor gets
        // notify_exc_info, emits the .error notification and records the fault.
        mark = control.linesSoFar
        let password = try await control.rest(instance, "users", "update_all", body: ["users": [["name": .string(login), "password": "N3w-pass"]]], context: member)
        #expect(password["result"]?["status"] == 202, "\(password)")
        let passwordError = await endNotification("notify_exc_info", of: "DBaaSUserChangePassword", after: mark)
        expectHandledCleanly(passwordError, "change_passwords' notify_exc_info", reportsAnError: true)
        #expect(passwordError["message"] == "The 'change_passwords' operation is not supported for the 'db2' datastore.")
        #expect(passwordError["serialized_notification"]?["instance_id"] == .string(instance))
        #expect(Self.events(passwordError) == ["dbaas.user_change_password.error"])
        #expect(passwordError["fault"]?["message"]?.stringValue?.contains("change_passwords") == true)

        mark = control.linesSoFar
        let renamed = try await control.rest(instance, "users", "update", body: ["user": ["name": "renamed1"]], id: login, context: member)
        #expect(renamed["result"]?["status"] == 202, "\(renamed)")
        let renameError = await endNotification("notify_exc_info", of: "DBaaSUserUpdateAttributes", after: mark)
        expectHandledCleanly(renameError, "update_attributes' notify_exc_info", reportsAnError: true)
        #expect(renameError["message"] == "The 'update_attributes' operation is not supported for the 'db2' datastore.")
        #expect(Self.events(renameError) == ["dbaas.user_update_attributes.error"])

        mark = control.linesSoFar
        let deleted = try await control.rest(instance, "users", "delete", id: login, context: member)
        #expect(deleted["result"]?["status"] == 202, "\(deleted)")
        let deleteEnd = await endNotification("notify_end", of: "DBaaSUserDelete", after: mark)
        expectHandledCleanly(deleteEnd, "delete_user's notify_end")
        #expect(Self.events(deleteEnd) == ["dbaas.user_delete.end"])
        #expect(getpwnam(login) == nil)
        let remaining = try await control.rest(instance, "users", "index", context: member)
        #expect(Self.names(remaining["result"]?["body"]?["users"]) == [appUser])
        for name in ["UDB1", "UDB2"] {
            mark = control.linesSoFar
            #expect(try await control.rest(instance, "databases", "delete", id: name, context: member)["result"]?["status"] == 202)
            _ = await endNotification("notify_end", of: "DBaaSDatabaseDelete", after: mark)
        }
    }

    // MARK: - The instance

    /// `get_filesystem_stats` as the API's instance show reads it (`load_instance_with_info` → `load_guest_info`),
    /// `rpc_ping`, the volume calls (`unmount_volume` of a path that is not mounted does nothing, as Trove's
    /// `VolumeDevice.unmount` checks first), `pre_upgrade` and `post_upgrade`.
    func instanceDetailsVolumesAndUpgrades() async throws {
        let shown = try await control.run("instance_show", ["instance": .string(instance), "context": .object(member)])
        #expect(shown["status"] == "ACTIVE", "\(shown)")
        #expect((shown["volume_total"]?.doubleValue ?? 0) > 0, "\(shown)")
        #expect((shown["volume_used"]?.doubleValue ?? -1) >= 0, "\(shown)")

        #expect(try await control.guest(instance, "rpc_ping", context: member)["result"] == true)
        let stats = try await control.guest(instance, "get_volume_info", context: member)
        #expect(Set(stats["result"]?.objectValue?.keys.map { $0 } ?? []) == ["block_size", "total_blocks", "free_blocks", "total", "free", "used"])

        let notMounted = try makeTemporaryDirectory(prefix: "not-mounted")
        defer { try? FileManager.default.removeItem(at: notMounted) }
        let unmount = try await control.guest(instance, "unmount_volume", ["device_path": "/dev/vdb", "mount_point": .string(notMounted.path)], context: member)
        #expect(unmount["ok"] == true, "\(unmount)")
        #expect(unmount["result"] == .null)
        let mount = try await control.guest(instance, "mount_volume", ["device_path": "/dev/trove13-no-such-device", "mount_point": .string(notMounted.path)], context: member)
        #expect(mount["class"] == "GuestError", "\(mount)")
        let resize = try await control.guest(instance, "resize_fs", ["device_path": "/dev/trove13-no-such-device", "mount_point": .string(notMounted.path)], context: member)
        #expect(resize["class"] == "GuestError", "\(resize)")

        #expect(try await control.guest(instance, "pre_upgrade", context: admin)["result"] == [:])
        let post = try await control.guest(instance, "post_upgrade", ["upgrade_info": [:]], context: admin)
        #expect(post["ok"] == true, "\(post)")
    }

    // MARK: - Guest logs

    /// Trove's `guest` log is of type SYS and not exposed for DB2 (`guest_log_exposed_logs` is empty): admins see and
    /// list it, anyone else gets `LogAccessForbidden` and an empty list.
    func guestLogsForAdminsOnly() async throws {
        let adminList = try await control.guest(instance, "guest_log_list", context: admin)
        let logs = adminList["result"]?.arrayValue ?? []
        #expect(logs.count == 1, "\(adminList)")
        let log = logs.first
        #expect(log?["name"] == "guest")
        #expect(log?["type"] == "SYS")
        #expect(log?["status"] == "Ready", "the agent has written its log file: \(Self.text(log))")
        #expect(log?["published"] == 0)
        #expect((log?["pending"]?.intValue ?? 0) > 0)
        #expect(log?["container"] == "None")
        #expect(log?["prefix"] == "None")
        #expect(log?["metafile"] == .string("\(instance)/db2-guest_metafile"))

        let memberList = try await control.guest(instance, "guest_log_list", context: member)
        #expect(memberList["result"] == [], "\(memberList)")

        let noFlags: [String: JSONValue] = ["log_name": "guest", "enable": nil, "disable": nil, "publish": nil, "discard": nil]
        let shown = try await control.guest(instance, "guest_log_action", noFlags, context: admin)
        #expect(shown["result"]?["name"] == "guest", "\(shown)")
        #expect(shown["result"]?["type"] == "SYS")
        let forbidden = try await control.guest(instance, "guest_log_action", noFlags, context: member)
        #expect(forbidden["class"] == "GuestError", "\(forbidden)")
        #expect(Self.cause(forbidden).className == "LogAccessForbidden")
        #expect(Self.cause(forbidden).message == "You must be admin to show log 'guest'.")

        var enable = noFlags
        enable["enable"] = true
        let enabled = try await control.guest(instance, "guest_log_action", enable, context: admin)
        #expect(Self.cause(enabled).className == "BadRequest", "\(enabled)")
        #expect(Self.cause(enabled).message == "Cannot enable a SYSTEM log ('guest').")
        var unknown = noFlags
        unknown["log_name"] = "general"
        let notDefined = try await control.guest(instance, "guest_log_action", unknown, context: admin)
        #expect(Self.cause(notDefined).className == "NotFound", "\(notDefined)")
        #expect(Self.cause(notDefined).message == "Log 'general' is not defined.")
    }

    // MARK: - Modules, root, replication, and what Trove's DB2 manager does not have

    func modulesAndWhatDB2DoesNotSupport() async throws {
        #expect(try await control.guest(instance, "module_list", ["include_contents": false], context: admin)["result"] == [])
        let module: JSONValue = ["module": ["id": "m1", "name": "pinger", "type": "ping", "contents": "x", "md5": nil]]
        let applied = try await control.guest(instance, "module_apply", ["modules": [module]], context: admin)
        #expect(Self.cause(applied).className == "ModuleTypeNotFound", "\(applied)")
        let removed = try await control.guest(instance, "module_remove", ["module": module], context: admin)
        #expect(Self.cause(removed).className == "ModuleTypeNotFound", "\(removed)")

        // Trove's DB2 manager raises DatastoreOperationNotSupported for each of these.
        let unsupported: [(String, [String: JSONValue], String)] = [
            ("enable_root", [:], "enable_root"),
            ("enable_root_with_password", ["root_password": "Root-pa55"], "enable_root_with_password"),
            ("disable_root", [:], "disable_root"),
            ("is_root_enabled", [:], "is_root_enabled"),
            ("get_root_password", [:], "get_root_password"),
            ("get_replication_snapshot", ["snapshot_info": [:], "replica_source_config": nil], "get_replication_snapshot"),
            ("detach_replica", ["for_failover": false], "detach_replica"),
            ("get_replica_context", [:], "get_replica_context"),
            ("make_read_only", ["read_only": true], "make_read_only"),
            ("enable_as_master", ["replica_source_config": [:]], "enable_as_master"),
            ("get_txn_count", [:], "get_txn_count"),
            ("get_latest_txn_id", [:], "get_latest_txn_id"),
            ("wait_for_txn", ["txn": "1"], "wait_for_txn"),
            ("demote_replication_master", [:], "demote_replication_master"),
        ]
        for (method, args, operation) in unsupported {
            let answer = try await control.guest(instance, method, args, context: admin)
            #expect(answer["class"] == "GuestError", "\(method): \(answer)")
            #expect(Self.cause(answer).className == "DatastoreOperationNotSupported", "\(method): \(answer)")
            #expect(Self.cause(answer).message == "The '\(operation)' operation is not supported for the 'db2' datastore.")
        }
        // A cast: nothing comes back; the agent logs the failure and goes on.
        let mark = guest.daemon.logs.allLines.count
        #expect(try await control.guest(instance, "attach_replication_slave", ["snapshot": ["master": ["id": "m1"]], "replica_config": nil], context: admin)["ok"] == true)
        _ = try await guest.daemon.logs.waitForLine(from: mark, timeout: 30, describe: "attach_replication_slave's failure") {
            $0.contains("RPC cast failed") && $0.contains("attach_replication_slave") && $0.contains("DatastoreOperationNotSupported")
        }

        // Methods of Trove's guest API that its DB2 manager does not have: oslo's NoSuchMethod, as from Trove's agent.
        let absent: [(String, [String: JSONValue])] = [
            ("get_hwinfo", [:]), ("get_diagnostics", [:]), ("update_guest", [:]),
            ("backup_required_for_replication", [:]), ("get_last_txn", [:]),
            ("attach_replica", ["replica_info": [:], "slave_config": [:]]),
            ("cleanup_source_on_replica_detach", ["replica_info": [:]]),
        ]
        for (method, args) in absent {
            let answer = try await control.guest(instance, method, args, context: admin)
            #expect(answer["class"] == "GuestError", "\(method): \(answer)")
            #expect(answer["message"]?.stringValue?.contains("Endpoint does not support RPC method") == true, "\(method): \(answer)")
        }
        #expect(try await control.guest(instance, "upgrade", ["instance_version": "2", "location": "x", "metadata": nil], context: admin)["ok"] == true)
        #expect(try await control.guest(instance, "rpc_ping", context: member)["result"] == true)
    }

    // MARK: - Configuration and lifecycle

    /// `update_overrides`, `apply_overrides`, `reset_configuration`, `stop_db`, `start_db_with_conf_changes` and
    /// `restart`, with the statuses Trove's conductor records from the heartbeats.
    func configurationAndLifecycle() async throws {
        func monHeap() async throws -> String? {
            let output = try await guest.db2.succeed("db2 get dbm cfg")
            return output.split(separator: "\n").first { $0.contains("(MON_HEAP_SZ)") }
                .flatMap { $0.split(separator: "=").last }.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        #expect(try await control.guest(instance, "update_overrides", ["overrides": ["MON_HEAP_SZ": 150], "remove": false], context: admin)["ok"] == true)
        #expect(try await monHeap() == "150")
        #expect(try await control.guest(instance, "apply_overrides", ["overrides": ["MON_HEAP_SZ": 160]], context: admin)["ok"] == true)
        #expect(try await monHeap() == "160")
        #expect(try await control.guest(instance, "update_overrides", ["overrides": [:], "remove": true], context: admin)["ok"] == true)
        #expect(try await monHeap() != "160")
        #expect(try await control.guest(instance, "reset_configuration", ["configuration": ["config_contents": ""]], context: admin)["ok"] == true)

        var mark = control.linesSoFar
        #expect(try await control.guest(instance, "stop_db", ["do_not_start_on_reboot": false], context: admin)["ok"] == true)
        let shutdown = await conductor("a shutdown heartbeat", after: mark) { $0["method"] == "heartbeat" && $0["payload"]?["service_status"] == "shutdown" }
        expectHandledCleanly(shutdown, "the shutdown heartbeat")
        #expect(shutdown["service_status"] == "shutdown")

        mark = control.linesSoFar
        #expect(try await control.guest(instance, "start_db_with_conf_changes", ["config_contents": ""], context: admin)["ok"] == true)
        let started = await conductor("a running heartbeat", after: mark) { $0["method"] == "heartbeat" && $0["payload"]?["service_status"] == "running" }
        #expect(started["service_status"] == "running")

        mark = control.linesSoFar
        #expect(try await control.guest(instance, "restart", context: admin)["ok"] == true)
        let restarted = await conductor("a running heartbeat after restart", after: mark) { $0["method"] == "heartbeat" && $0["payload"]?["service_status"] == "running" }
        expectHandledCleanly(restarted, "the heartbeat after restart")
        let listed = try await control.rest(instance, "databases", "index", context: member)
        #expect(Self.names(listed["result"]?["body"]?["databases"]) == ["DB1", "DB2", "DB3", "DB4", "DB5"])
    }

    // MARK: - Backups

    /// `create_backup` as `Backup.create` and the taskmanager send it: Trove's conductor takes `update_backup`
    /// BUILDING then COMPLETED into the backup's row, with what a restore needs.
    @discardableResult
    func backupReachesTrovesBackupRow() async throws -> String {
        let (token, storageURL) = try await swift.authenticate()
        var context = swift.context(token: token, storageURL: storageURL)
        context["is_admin"] = false
        let mark = control.linesSoFar
        let created = try await control.run("create_backup", ["instance": .string(instance), "context": .object(context)])
        let backupID = try #require(created["backup_id"]?.stringValue)
        let building = await conductor("update_backup BUILDING", after: mark) {
            $0["method"] == "update_backup" && $0["fields"]?["state"] == "BUILDING"
        }
        expectHandledCleanly(building, "update_backup BUILDING")
        #expect(building["backup"]?["state"] == "BUILDING")
        let completed = await conductor("update_backup COMPLETED", after: mark, timeout: 180) {
            $0["method"] == "update_backup" && ["COMPLETED", "FAILED"].contains($0["fields"]?["state"]?.stringValue ?? "")
        }
        expectHandledCleanly(completed, "update_backup COMPLETED")
        let row = try await control.run("backup", ["backup_id": .string(backupID)])
        #expect(row["state"] == "COMPLETED", "\(completed)")
        #expect(row["backup_type"] == "DB2OnlineBackup")
        #expect(row["location"]?.stringValue?.hasSuffix("/\(container)/\(backupID).gz.enc") == true, "\(row)")
        #expect((row["checksum"]?.stringValue ?? "").count == 32, "\(row)")
        #expect((row["size"]?.doubleValue ?? 0) > 0, "\(row)")
        return backupID
    }

    /// A new instance prepared from that backup, with the `backup_info` Trove's taskmanager builds from the backup's
    /// row (`location`, `type`, `checksum` as the conductor stored them): it ends `running` with the databases.
    func restoreFromTrovesBackupRow(_ backupID: String) async throws {
        let restored = try await Trove13Guest(
            control: control, port: port, secure: secure,
            config: ["DEFAULT": ["backup_swift_container": container, "backup_aes_cbc_key": "trove13-interop-key"]])
        do {
            let (token, storageURL) = try await swift.authenticate()
            var context = swift.context(token: token, storageURL: storageURL)
            context["is_admin"] = false
            let mark = control.linesSoFar
            try await control.run(
                "prepare",
                [
                    "instance": .string(restored.instanceID), "mount_point": .string(restored.mountPoint),
                    "context": .object(context), "backup_id": .string(backupID),
                ])
            let active = try await control.run(
                "wait_active", ["instance": .string(restored.instanceID), "timeout": 150], timeout: 180)
            #expect(active["service_status"] == "running", "\(active)")
            let end = await endNotification("notify_end", of: "DBaaSInstanceCreate", after: mark)
            #expect(Self.events(end) == ["dbaas.instance_create.end"], "\(end)")
            let listed = try await control.rest(restored.instanceID, "databases", "index", context: member)
            #expect(Self.names(listed["result"]?["body"]?["databases"]) == ["DB1", "DB2", "DB3", "DB4", "DB5"])
        } catch {
            await restored.stop()
            throw error
        }
        await restored.stop()
    }

    // MARK: - Coverage

    /// Every RPC method of Trove's DB2 manager that Trove's guest API sends, and every API method the manager lacks,
    /// was sent by this sequence (the list comes from Trove's own classes).
    func everyMethodWasSent() async throws {
        let methods = try await control.run("manager_methods")
        let used = Set(methods["used"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let served = methods["served"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let notServed = methods["not_served"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(served.count > 40, "\(methods)")
        #expect(served.filter { !used.contains($0) } == [], "methods of Trove's DB2 manager never sent")
        #expect(notServed.filter { !used.contains($0) } == [], "methods of Trove's guest API never sent")
    }
}
