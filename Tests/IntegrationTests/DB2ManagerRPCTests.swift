import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

/// The DB2 methods through real RPC (oslo.messaging client → RabbitMQ → daemon) against db2sim.
@Suite(.needsServices) struct DB2ManagerRPCTests {
    struct Setup {
        let daemon: AgentDaemon
        let client: PythonPeer
        let conductor: PythonPeer
        let db2: DB2SimulatorHome
    }

    /// - Parameter extraConfig: more `[section] key = value` settings for the daemon.
    func setUp(
        db2 extra: [String: String] = [:], db2sim: DB2SimulatorHome? = nil, extraConfig: [String: [String: String]] = [:]
    ) async throws -> Setup {
        let port = try TestEnvironment.amqpPort()
        let db2: DB2SimulatorHome
        if let db2sim { db2 = db2sim } else { db2 = try await DB2SimulatorHome() }
        let conductorTopic = "trove-conductor-\(UUID().uuidString.prefix(8))"
        let conductor = try await PythonPeer("conductor", url: PythonPeer.amqpURL(port: port), topic: conductorTopic)
        var config = db2.config(extra)
        config["DEFAULT", default: [:]]["conductor_queue"] = conductorTopic
        for (section, values) in extraConfig { config[section, default: [:]].merge(values) { $1 } }
        let daemon = try AgentDaemon(amqpPort: port, config: config)
        try await daemon.start()
        let client = try await PythonPeer("client", url: PythonPeer.amqpURL(port: port), topic: daemon.topic)
        return Setup(daemon: daemon, client: client, conductor: conductor, db2: db2)
    }

    /// Casts prepare and waits for the conductor to hear `building` and then the final status.
    func prepare(_ setup: Setup, databases: [String] = [], users: [JSONValue] = [], overrides: JSONValue = nil) async throws -> String {
        try await setup.client.cast(
            "prepare", TroveDicts.prepare(databases: databases, users: users, mountPoint: setup.db2.mountPoint, overrides: overrides))
        _ = try await setup.conductor.waitForCall("a building heartbeat") {
            $0["method"] == "heartbeat" && $0["args"]?["payload"]?["service_status"] == "building"
        }
        let final = try await setup.conductor.waitForCall(timeout: 120, "the heartbeat that ends prepare") {
            $0["method"] == "heartbeat" && $0["args"]?["payload"]?["service_status"] != "building"
        }
        return final["args"]?["payload"]?["service_status"]?.stringValue ?? ""
    }

    @Test func prepareCreatesDatabasesAndUsersWithArchiveLoggingAndListsThemInPages() async throws {
        let setup = try await setUp()
        let login = uniqueLogin()
        let status = try await prepare(
            setup, databases: ["app1", "app2", "app3"],
            users: [TroveDicts.user(login, password: "Pa55-word", databases: ["app1"])])
        defer { Task { await removeTestAccount(login) } }
        #expect(status == "running")
        #expect(FileManager.default.fileExists(atPath: setup.daemon.directory.appendingPathComponent(".guestagent.prepare.end").path))

        // Every database got archive logging and is out of BACKUP PENDING.
        for name in ["APP1", "APP2", "APP3"] {
            #expect(try await setup.db2.databaseParameter("LOGARCHMETH1", of: name) == "DISK:\(setup.db2.mountPoint)/ArchiveLogs/")
            try await setup.db2.succeed("db2 connect to \(name) && db2 connect reset")
        }

        let first = try await setup.client.call("list_databases", ["limit": 2, "marker": nil, "include_marker": false])
        #expect(TroveDicts.names(first["result"].item(0)) == ["APP1", "APP2"])
        #expect(first["result"].item(1) == "APP2")
        let second = try await setup.client.call("list_databases", ["limit": 2, "marker": "APP2", "include_marker": false])
        #expect(TroveDicts.names(second["result"].item(0)) == ["APP3"])
        #expect(second["result"].item(1) == .null)
        let included = try await setup.client.call("list_databases", ["limit": 1, "marker": "app2", "include_marker": true])
        #expect(TroveDicts.names(included["result"].item(0)) == ["APP2"])

        let users = try await setup.client.call("list_users", ["limit": nil, "marker": nil, "include_marker": false], timeout: 60)
        #expect(TroveDicts.names(users["result"].item(0)) == [login])
        #expect(TroveDicts.names(users["result"].item(0).item(0)?["_databases"]) == ["APP1"])
        let user = try await setup.client.call("get_user", ["username": .string(login), "hostname": "%"])
        #expect(user["result"]?["_name"] == .string(login))

        #expect(try await setup.client.call("grant_access", ["username": .string(login), "hostname": "%", "databases": ["app2"]])["ok"] == true)
        let access = try await setup.client.call("list_access", ["username": .string(login), "hostname": "%"])
        #expect(TroveDicts.names(access["result"]) == ["APP1", "APP2"])
        #expect(try await setup.client.call("revoke_access", ["username": .string(login), "hostname": "%", "database": "app1"])["ok"] == true)
        #expect(TroveDicts.names(try await setup.client.call("list_access", ["username": .string(login), "hostname": "%"])["result"]) == ["APP2"])

        try await setup.client.cast("delete_user", ["user": TroveDicts.user(login, password: "", databases: [])])
        try await setup.daemon.waitForLog("user deleted")
        let after = try await setup.client.call("get_user", ["username": .string(login), "hostname": "%"])
        let remaining = TroveDicts.names(after["result"]?["_databases"])
        #expect(remaining.isEmpty)
        #expect(getpwnam(login) == nil)
        // The password never reached a log (the daemon logs at debug level here).
        #expect(!setup.daemon.logText.contains("Pa55-word"))
        #expect(setup.daemon.logText.contains("useradd"))
    }

    @Test func databasesAreCreatedAndDeletedAndBadInputIsRefusedClearly() async throws {
        let setup = try await setUp()
        #expect(try await prepare(setup) == "running")
        try await setup.client.cast("create_database", ["databases": [TroveDicts.schema("sales")]])
        // create_database is a cast: its work is done when archive logging is on.
        try await setup.daemon.waitForLog("archive logging on")
        #expect(try await setup.db2.databaseParameter("LOGARCHMETH1", of: "SALES") == "DISK:\(setup.db2.mountPoint)/ArchiveLogs/")
        try await setup.db2.succeed("db2 connect to SALES && db2 connect reset")

        // A database that exists: the cast fails visibly in the log with DB2's reason.
        try await setup.client.cast("create_database", ["databases": [TroveDicts.schema("sales")]])
        try await setup.daemon.waitForLog("SQL1005N")
        // An invalid name is refused before anything runs, naming the rule.
        let invalid = try await setup.client.call("grant_access", ["username": "someone", "hostname": "%", "databases": ["my_db"]])
        #expect(invalid["class"] == "BadRequest")
        #expect(invalid["message"]?.stringValue?.contains("contains \"_\"") == true)
        try await setup.client.cast("create_database", ["databases": [TroveDicts.schema("toolongname")]])
        try await setup.daemon.waitForLog("longer than 8 characters")
        // A user in ignore_users.
        let ignored = try await setup.client.call("grant_access", ["username": "db2inst1", "hostname": "%", "databases": ["sales"]])
        #expect(ignored["class"] == "BadRequest")
        #expect(ignored["message"]?.stringValue?.contains("reserved") == true)
        let unknownLog = try await setup.client.call("guest_log_action", ["log_name": "nolog", "enable": false, "disable": false, "publish": false, "discard": false])
        #expect(unknownLog["class"] == "NotFound")
        #expect(try await setup.client.call("guest_log_list")["result"] == [])
        #expect(try await setup.client.call("pre_upgrade")["result"] == [:])

        try await setup.client.cast("delete_database", ["database": TroveDicts.schema("sales")])
        try await setup.daemon.waitForLog("database dropped")
        let listed = try await setup.client.call("list_databases", ["limit": nil, "marker": nil, "include_marker": false])
        #expect(TroveDicts.names(listed["result"].item(0)).isEmpty)
        #expect(try await setup.client.call("rpc_ping")["result"] == true)
    }

    @Test func slowAndHungCommandsAndAStoppedDB2FailClearlyWhileTheDaemonServes() async throws {
        let setup = try await setUp(db2: ["command_timeout": "3"])
        #expect(try await prepare(setup, databases: ["keep"]) == "running")

        // A state change hangs (CREATE DATABASE); a list_databases issued meanwhile is answered within 1 s.
        try await setup.db2.fault(["add", "--match", "CREATE DATABASE SLOW", "--hang", "120"])
        try await setup.client.cast("create_database", ["databases": [TroveDicts.schema("slow")]])
        let fired = Date().addingTimeInterval(30)
        while Date() < fired, !(try await setup.db2.faultList().contains("fired=1")) {
            try await Task.sleep(for: .milliseconds(100))
        }
        let asked = Date()
        let listed = try await setup.client.call("list_databases", ["limit": nil, "marker": nil, "include_marker": false])
        let answeredIn = Date().timeIntervalSince(asked)
        #expect(TroveDicts.names(listed["result"].item(0)) == ["KEEP"])
        #expect(answeredIn < 1.0, "list_databases took \(answeredIn) s while CREATE DATABASE hung")

        // A query that hangs times out (command_timeout = 3 s): a clear GuestError, and the next call works.
        try await setup.db2.fault(["add", "--match", "LIST DATABASE DIRECTORY", "--hang", "120"])
        let timedOut = try await setup.client.call("list_databases", ["limit": nil, "marker": nil, "include_marker": false], timeout: 30)
        #expect(timedOut["class"] == "GuestError")
        #expect(timedOut["message"]?.stringValue?.contains("LIST DATABASE DIRECTORY failed") == true)
        #expect(timedOut["message"]?.stringValue?.contains("no answer within") == true)
        try await setup.db2.fault(["clear"])
        #expect(try await setup.client.call("rpc_ping")["result"] == true)

        // DB2 stopped: calls that need it fail with DB2's reason.
        #expect(try await setup.client.call("stop_db", ["do_not_start_on_reboot": false], timeout: 120)["ok"] == true)
        let stopped = try await setup.client.call("list_users", ["limit": nil, "marker": nil, "include_marker": false], timeout: 60)
        #expect(stopped["class"] == "GuestError")
        #expect(stopped["message"]?.stringValue?.contains("SQL1032N") == true)
        _ = try await setup.conductor.waitForCall("a shutdown heartbeat") {
            $0["method"] == "heartbeat" && $0["args"]?["payload"]?["service_status"] == "shutdown"
        }
        #expect(try await setup.client.call("restart", timeout: 120)["ok"] == true)
        _ = try await setup.conductor.waitForCall("a running heartbeat after the restart") { call in
            call["method"] == "heartbeat" && call["args"]?["payload"]?["service_status"] == "running"
                && (call["args"]?["sent"]?.doubleValue ?? 0) > asked.timeIntervalSince1970
        }
        #expect(TroveDicts.names(try await setup.client.call("list_databases", ["limit": nil, "marker": nil, "include_marker": false])["result"].item(0)).contains("KEEP"))
    }

    @Test func overridesAreAppliedStoredAndRemoved() async throws {
        let setup = try await setUp()
        #expect(try await prepare(setup, overrides: ["MON_HEAP_SZ": 120]) == "running")
        func monHeap() async throws -> String? {
            let output = try await setup.db2.succeed("db2 get dbm cfg")
            return output.split(separator: "\n").first { $0.contains("(MON_HEAP_SZ)") }
                .flatMap { $0.split(separator: "=").last }.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        #expect(try await monHeap() == "120")
        #expect(try await setup.client.call("update_overrides", ["overrides": ["mon_heap_sz": 150], "remove": false], timeout: 60)["ok"] == true)
        #expect(try await monHeap() == "150")
        let stored = try String(contentsOfFile: "\(setup.db2.mountPoint)/overrides/20-user-001-common.cnf", encoding: .utf8)
        #expect(stored == "MON_HEAP_SZ=150\n")
        #expect(try await setup.client.call("apply_overrides", ["overrides": ["MON_HEAP_SZ": 160]], timeout: 60)["ok"] == true)
        #expect(try await monHeap() == "160")
        let refused = try await setup.client.call("apply_overrides", ["overrides": ["MON_HEAP_SZ": "1; DROP"]], timeout: 60)
        #expect(refused["class"] == "BadRequest")
        #expect(try await setup.client.call("update_overrides", ["overrides": [:], "remove": true], timeout: 60)["ok"] == true)
        #expect(try await monHeap() != "160")
        #expect(!FileManager.default.fileExists(atPath: "\(setup.db2.mountPoint)/overrides/20-user-001-common.cnf"))
    }

    @Test func aDatabaseWhoseArchiveLoggingWasResetIsRepairedAtStartUp() async throws {
        let setup = try await setUp()
        #expect(try await prepare(setup, databases: ["ledger"]) == "running")
        #expect(await setup.daemon.stop() == 0)
        try await setup.db2.succeed("db2 update db cfg for LEDGER using LOGARCHMETH1 OFF")
        #expect(try await setup.db2.databaseParameter("LOGARCHMETH1", of: "LEDGER") == "OFF")
        let again = try await setUp(db2sim: setup.db2)
        try await again.daemon.waitForLog("archive logging repaired", timeout: 60)
        #expect(try await setup.db2.databaseParameter("LOGARCHMETH1", of: "LEDGER") == "DISK:\(setup.db2.mountPoint)/ArchiveLogs/")
        try await setup.db2.succeed("db2 connect to LEDGER && db2 connect reset")
    }
}
