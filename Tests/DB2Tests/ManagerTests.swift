import AgentSupport
import DB2
import Foundation
import Testing
import TestSupport

/// The DB2 manager against the db2sim stand-in (needs TEST_BIN_DIR from scripts/test).
@Suite(.needsServices) struct ManagerTests {
    @Test func startStopAndStatusFollowTheInstance() async throws {
        try await SimulatedInstance.with(start: false) { instance in
            #expect(await instance.manager.status() == .shutdown)
            try await instance.manager.start()
            #expect(await instance.manager.status() == .running)
            try await instance.manager.start()  // already running: fine
            try await instance.manager.restart()
            #expect(await instance.manager.status() == .running)
            try await instance.manager.stop()
            #expect(await instance.manager.status() == .shutdown)
            try await instance.manager.stop()  // already stopped: fine
            let error = await #expect(throws: DB2Error.self) { try await instance.manager.createDatabases([DatabaseName("ONE")]) }
            #expect(error?.kind == .instanceNotStarted)
        }
    }

    @Test func databasesUnderTheOnlineStrategyAreRecoverableAndListedInPages() async throws {
        try await SimulatedInstance.with { instance in
            let names = try ["DB3", "DB1", "DB5", "DB2", "DB4"].map(DatabaseName.init)
            try await instance.manager.createDatabases(names)
            for name in names {
                let listing = try await instance.manager.databaseConfiguration(name)
                #expect(listing[parameter: "LOGARCHMETH1"] == instance.manager.configuration.archiveMethod)
                // BACKUP PENDING is cleared: a connection and an online backup both work.
                try await instance.succeed("db2 connect to \(name) && db2 connect reset")
            }
            var seen: [String] = []
            var marker: String?
            repeat {
                let page = try await instance.manager.listDatabases(limit: 2, marker: marker, includeMarker: false)
                seen += page.items.map(\.value)
                marker = page.nextMarker
                #expect(page.items.count <= 2)
            } while marker != nil
            #expect(seen == ["DB1", "DB2", "DB3", "DB4", "DB5"])
            let fromMarker = try await instance.manager.listDatabases(limit: 2, marker: "db2", includeMarker: true)
            #expect(fromMarker.items.map(\.value) == ["DB2", "DB3"])
            #expect(fromMarker.nextMarker == "DB3")

            let again = await #expect(throws: DB2Error.self) { try await instance.manager.createDatabases([names[0]]) }
            #expect(again?.kind == .alreadyExists)
            try await instance.manager.deleteDatabase(names[0])
            #expect(try await instance.manager.databases().count == 4)
            let gone = await #expect(throws: DB2Error.self) { try await instance.manager.deleteDatabase(names[0]) }
            #expect(gone?.kind == .databaseNotFound)
        }
    }

    @Test func aResetLOGARCHMETH1IsRepaired() async throws {
        try await SimulatedInstance.with { instance in
            let name = try DatabaseName("SALES")
            try await instance.manager.createDatabases([name])
            #expect(try await instance.manager.ensureRecoverable().repaired.isEmpty)
            try await instance.succeed("db2 update db cfg for SALES using LOGARCHMETH1 OFF")
            let report = try await instance.manager.ensureRecoverable()
            #expect(report.repaired == [.init(database: name, action: .archiveLoggingRepaired(previous: "OFF"))])
            let listing = try await instance.manager.databaseConfiguration(name)
            #expect(listing[parameter: "LOGARCHMETH1"] == instance.manager.configuration.archiveMethod)
            _ = try await instance.manager.onlineBackup(of: name, to: "\(instance.root.path)/backup")
        }
    }

    @Test func aHungCommandTimesOutAndItsProcessGroupIsKilled() async throws {
        try await SimulatedInstance.with(commandTimeout: .seconds(2)) { instance in
            try await instance.fault(["add", "--match", "LIST DATABASE DIRECTORY", "--hang", "120"])
            let started = ContinuousClock.now
            let error = await #expect(throws: DB2Error.self) { try await instance.manager.databases() }
            #expect(error?.kind == .timedOut)
            #expect(ContinuousClock.now - started < .seconds(60))
            // The next command works: nothing of the hung job holds the instance.
            #expect(try await instance.manager.databases().isEmpty)
        }
    }

    @Test func readsAreAnsweredWhileABackupHangsAndACancelledBackupLeavesNoProcess() async throws {
        try await SimulatedInstance.with { instance in
            let name = try DatabaseName("BIG")
            try await instance.manager.createDatabases([name])
            try await instance.fault(["add", "--match", "BACKUP DATABASE BIG ONLINE", "--at", "after-data", "--hang", "300"])
            let directory = "\(instance.root.path)/backup"
            let backup = Task { try await instance.manager.onlineBackup(of: name, to: directory) }
            try await waitUntil("the backup runs") {
                try await instance.shell("db2 list utilities").stdout.contains("BACKUP")
            }
            let asked = ContinuousClock.now
            let page = try await instance.manager.listDatabases(limit: nil, marker: nil, includeMarker: false)
            let answeredIn = ContinuousClock.now - asked
            #expect(page.items == [name])
            let users = try await instance.manager.listUsers(limit: nil, marker: nil, includeMarker: false)
            #expect(users.items.isEmpty)
            print("list_databases answered in \(answeredIn) while the backup hung")
            backup.cancel()
            let result = await backup.result
            #expect(throws: DB2Error.self) { try result.get() }
            if case .failure(let error as DB2Error) = result { #expect(error.kind == .cancelled) }
            // The killed db2 no longer holds a utility, and no image was left.
            try await waitUntil("the utility is gone") {
                try await instance.shell("db2 list utilities").stdout.contains("SQL1611W")
            }
            #expect(try await instance.manager.listImages(in: directory).isEmpty)
        }
    }

    @Test func overridesApplyStoreAndReset() async throws {
        try await SimulatedInstance.with { instance in
            let before = try await instance.manager.instanceConfiguration()[parameter: "MON_HEAP_SZ"]
            try await instance.manager.updateOverrides(
                [try ConfigurationOverride(parameter: "MON_HEAP_SZ", value: "150")], remove: false)
            #expect(try await instance.manager.instanceConfiguration()[parameter: "MON_HEAP_SZ"] == "150")
            #expect(try await instance.manager.storedOverrides() == ["MON_HEAP_SZ": "150"])
            let refused = await #expect(throws: DB2Error.self) {
                try await instance.manager.applyOverrides([try ConfigurationOverride(parameter: "NO_SUCH_PARAM", value: "1")])
            }
            #expect(refused?.message != nil)
            try await instance.manager.updateOverrides([], remove: true)
            #expect(try await instance.manager.instanceConfiguration()[parameter: "MON_HEAP_SZ"] == before)
            #expect(try await instance.manager.storedOverrides().isEmpty)
        }
    }

    @Test func usersAreOSAccountsWithGrantsAndDeletionRevokesEverywhere() async throws {
        try await SimulatedInstance.with { instance in
            let login = "t\(UUID().uuidString.prefix(8).lowercased().filter { $0.isLetter || $0.isNumber })"
            let name = try UserName(login)
            defer { removeTestAccountsNow(login) }
            let databases = try ["APP1", "APP2"].map(DatabaseName.init)
            try await instance.manager.createDatabases(databases)
            try await instance.manager.createUsers([NewDatabaseUser(name: name, password: Secret("s3cret-Pass"), databases: databases)])
            #expect(OSAccount.exists(login))
            let shadow = try String(contentsOfFile: "/etc/shadow", encoding: .utf8)
            #expect(shadow.split(separator: "\n").first { $0.hasPrefix("\(login):") }?.split(separator: ":")[1].hasPrefix("$") == true)
            #expect(try await instance.manager.user(named: name).databases == databases)
            let listed = try await instance.manager.listUsers(limit: nil, marker: nil, includeMarker: false)
            #expect(listed.items.map(\.name) == [name])

            try await instance.manager.revokeAccess(from: name, on: databases[0])
            #expect(try await instance.manager.access(of: name) == [databases[1]])
            try await instance.manager.grantAccess(to: name, on: [databases[0]])
            #expect(try await instance.manager.access(of: name) == databases)

            let exists = await #expect(throws: DB2Error.self) {
                try await instance.manager.createUsers([NewDatabaseUser(name: name, password: Secret("x"), databases: [])])
            }
            #expect(exists?.kind == .invalidRequest)
            let owner = await #expect(throws: DB2Error.self) { try await instance.manager.deleteUser(try UserName("db2inst1")) }
            #expect(owner?.kind == .invalidRequest)

            try await instance.manager.deleteUser(name)
            #expect(!OSAccount.exists(login))
            #expect(try await instance.manager.user(named: name).databases.isEmpty)
            let authorities = try await instance.succeed(
                "db2 connect to APP1 >/dev/null && db2 -x \"select grantee from syscat.dbauth\"")
            #expect(!authorities.uppercased().contains(login.uppercased()))
            let missing = await #expect(throws: DB2Error.self) { try await instance.manager.deleteUser(name) }
            #expect(missing?.kind == .notFound)
        }
    }

    /// On Db2, `GRANT DBADM` also grants ACCESSCTRL and DATAACCESS unless told otherwise (IBM, GRANT (database
    /// authorities)); Trove's users get no ACCESSCTRL, and revoking takes away every authority the user holds, also
    /// the ACCESSCTRL a user granted by Trove's own agent (plain `GRANT DBADM,...`) holds.
    @Test func usersGetNoAccessControlAndRevokingLeavesNoAuthority() async throws {
        try await SimulatedInstance.with { instance in
            let login = uniqueLogin()
            let name = try UserName(login)
            defer { removeTestAccountsNow(login) }
            let database = try DatabaseName("APP1")
            try await instance.manager.createDatabases([database])
            try await instance.manager.createUsers([NewDatabaseUser(name: name, password: Secret("s3cret-Pass"), databases: [database])])
            let id = login.uppercased()
            let query = { (grantee: String) in
                "db2 connect to APP1 >/dev/null && db2 -x \"select dbadmauth, dataaccessauth, accessctrlauth, connectauth from syscat.dbauth where grantee = '\(grantee)'\""
            }
            let rows = { (grantee: String) async throws -> String in
                try await instance.shell(query(grantee)).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            }
            let held = try await rows(id)
            #expect(held == "Y Y N Y", "DBADM, DATAACCESS, ACCESSCTRL, CONNECT")
            try await instance.manager.revokeAccess(from: name, on: database)
            #expect(try await rows(id).isEmpty)

            // A user made by Trove's own DB2 agent, which grants DBADM with its defaults.
            let legacy = try UserName(uniqueLogin())
            try await instance.succeed(
                "db2 connect to APP1 >/dev/null && db2 \"GRANT DBADM,CREATETAB,BINDADD,CONNECT,DATAACCESS ON DATABASE TO USER \(legacy.authorizationID)\"")
            #expect(try await instance.manager.user(named: legacy).databases == [database])
            try await instance.manager.deleteUser(legacy)
            #expect(try await rows(legacy.authorizationID).isEmpty)
        }
    }

    /// DB2OPTIONS set in the owner's `sqllib/userprofile` (sourced by db2profile) applies to every `db2` the owner
    /// runs: `+o` silences the output, `-x` drops the headings the agent's parsers read. The agent's jobs are not
    /// reshaped by it.
    @Test func theOwnersDB2OPTIONSDoesNotReshapeTheAgentsCommands() async throws {
        try await SimulatedInstance.with(start: false) { instance in
            try "DB2OPTIONS='+o -x'\nexport DB2OPTIONS\n".write(
                toFile: "\(instance.home)/sqllib/userprofile", atomically: true, encoding: .utf8)
            try await instance.manager.start()
            let name = try DatabaseName("OPTS")
            try await instance.manager.createDatabases([name])
            #expect(try await instance.manager.databases() == [name])
            let estimate = try await instance.manager.estimateBackupSize(of: name)
            #expect(estimate.databaseBytes > 0)
            let legacy = try UserName(uniqueLogin())
            try await instance.succeed(
                "db2 connect to OPTS && db2 \"GRANT DBADM,CREATETAB,BINDADD,CONNECT,DATAACCESS ON DATABASE TO USER \(legacy.authorizationID)\"")
            #expect(try await instance.manager.user(named: legacy).databases == [name])
        }
    }

    /// A partial start (SQL5043N: a communication protocol failed, the core engine runs) makes db2start exit non-zero;
    /// the agent judges the start by the instance afterwards, which runs.
    @Test func aPartialStartThatLeavesTheInstanceRunningIsAStart() async throws {
        try await SimulatedInstance.with(start: false) { instance in
            try await instance.fault(["add", "--match", "db2start", "--at", "after-start", "--fail", "SQL5043N"])
            try await instance.manager.start()
            #expect(await instance.manager.status() == .running)
            // A db2start that fails and leaves DB2 down is still a failure.
            try await instance.manager.stop()
            try await instance.fault(["add", "--match", "db2start", "--fail", "SQL1042C"])
            await #expect(throws: DB2Error.self) { try await instance.manager.start() }
            #expect(await instance.manager.status() == .shutdown)
        }
    }

    /// db2iauto lives in the DB2 install (`<DB2DIR>/instance`, the directory `db2level` names), not only at Trove's
    /// `/opt/ibm/db2/current` link: start turns autostart on, `do_not_start_on_reboot` turns it off.
    @Test func autostartIsSetWithTheInstallsDb2iauto() async throws {
        try await SimulatedInstance.with(start: false) { instance in
            #expect(!FileManager.default.fileExists(atPath: instance.manager.configuration.autostartTool))
            try await instance.manager.start()
            #expect(try await instance.succeed("db2set DB2AUTOSTART") == "YES\n")
            try await instance.manager.stop(disableAutostart: true)
            #expect(try await instance.succeed("db2set DB2AUTOSTART") == "NO\n")
        }
    }
}
