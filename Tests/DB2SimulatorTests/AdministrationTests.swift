import Foundation
import Testing
import TestSupport

/// Authorities, size queries and configuration, driven by the command strings Trove's DB2 guest agent runs.
@Suite(.needsServices) struct AdministrationTests {
    @Test func grantsAndRevokesShowInSysdbauth() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database testdb")
            let grant = try await home.shell(
                "db2 connect to testDB; db2 GRANT DBADM,CREATETAB,BINDADD,CONNECT,DATAACCESS ON DATABASE TO USER random; db2 connect reset")
            #expect(grant.status == 0)
            #expect(grant.output.hasSuffix("DB20000I  The SQL command completed successfully.\nDB20000I  The SQL command completed successfully.\n"))
            // Trove's LIST_DB_USERS, and how it reads the result: grantee and Y/N per line.
            let listUsers = "db2 +o  connect to testdb; db2 -x  select grantee, dataaccessauth from sysibm.sysdbauth; db2 connect reset"
            let users = try await home.shell(listUsers)
            let rows = users.output.nonEmptyLines.map { $0.split(separator: " ").map(String.init) }.filter { $0.count == 2 }
            let me = currentAuthorizationID()
            #expect(rows.map { $0[0] } == [me, "PUBLIC", "RANDOM"])
            #expect(rows.map { $0[1] } == ["Y", "N", "Y"])
            #expect(users.output.hasSuffix("DB20000I  The SQL command completed successfully.\n"))

            // GRANT DBADM also granted ACCESSCTRL (the default), which Trove's REVOKE leaves.
            let accessControl = "db2 connect to testdb > /dev/null; db2 -x \"select grantee, accessctrlauth from syscat.dbauth where grantee = 'RANDOM'\""
            #expect(try await home.shell(accessControl).output.collapsingBlanks == "RANDOM Y")
            let revoke = try await home.shell(
                "db2 connect to testDB; db2 REVOKE DBADM,CREATETAB,BINDADD,CONNECT,DATAACCESS ON DATABASE FROM USER random; db2 connect reset")
            #expect(revoke.status == 0)
            let after = try await home.shell(listUsers)
            #expect(after.output.nonEmptyLines.map(\.collapsingBlanks).contains("RANDOM N"))
            try await home.succeed(
                "db2 connect to testdb > /dev/null; db2 REVOKE ACCESSCTRL ON DATABASE FROM USER random")
            #expect(!(try await home.shell(listUsers)).output.contains("RANDOM"))
            let again = try await home.shell(
                "db2 connect to testdb > /dev/null; db2 REVOKE CONNECT ON DATABASE FROM USER random; echo rc=$?")
            #expect(again.output.hasPrefix("SQL0556N  An attempt to revoke a privilege, security label, exemption, or role"))
            #expect(again.output.hasSuffix("SQLSTATE=42504\nrc=4\n"))
            let selfGrant = try await home.shell(
                "db2 connect to testdb > /dev/null; db2 grant connect on database to user \(me.lowercased()); echo rc=$?")
            #expect(selfGrant.output == "SQL0554N  An authorization ID cannot grant a privilege or authority to itself.\nSQLSTATE=42502\nrc=4\n")
        }
    }

    /// IBM, GRANT (database authorities): `WITH DATAACCESS` and `WITH ACCESSCTRL` are DBADM's defaults, `WITHOUT`
    /// leaves them out; REVOKE: CONNECT, CREATETAB, BINDADD cannot be revoked from a DBADM holder without DBADM
    /// (SQLSTATE 42504).
    @Test func dbadmGrantsItsDefaultsAndKeepsWhatItImplies() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database testdb")
            let authorities = "db2 connect to testdb > /dev/null; db2 -x \"select grantee, dbadmauth, dataaccessauth, accessctrlauth, connectauth from syscat.dbauth where grantee in ('ANN', 'BOB', 'CAT')\""
            try await home.succeed(
                "db2 connect to testdb && db2 grant dbadm on database to user ann && db2 \"grant dbadm without accessctrl, connect on database to user bob\" && db2 \"grant dbadm without dataaccess with accessctrl on database to user cat\"")
            let rows = try await home.shell(authorities).output.nonEmptyLines.map(\.collapsingBlanks)
            #expect(rows == ["ANN Y Y Y N", "BOB Y Y N Y", "CAT Y N Y N"])
            let refused = try await home.shell(
                "db2 connect to testdb > /dev/null; db2 revoke connect on database from user bob; echo rc=$?")
            #expect(refused.output.hasPrefix("SQL0556N"))
            #expect(refused.output.hasSuffix("SQLSTATE=42504\nrc=4\n"))
            try await home.succeed("db2 connect to testdb > /dev/null && db2 revoke dbadm, connect on database from user bob")
            #expect(try await home.shell(authorities).output.nonEmptyLines.map(\.collapsingBlanks).contains("BOB N Y N N"))
            let badOption = try await home.shell(
                "db2 connect to testdb > /dev/null; db2 grant dbadm with load on database to user dan; echo rc=$?")
            #expect(badOption.output.hasPrefix("SQL0104N"))
        }
    }

    /// IBM, GET_DBSIZE_INFO: the size of the table spaces (no log files), cached for the refresh window (-1 = the
    /// default; 0 = fresh values). MON_TRANSACTION_LOG_UTILIZATION (and the deprecated LOG_UTILIZATION):
    /// TOTAL_LOG_USED_KB is log held by open work, none when every statement has committed.
    @Test func sizeQueriesReportTableSpacesCachedAndLogOfOpenWork() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database sample")
            // Trove's GET_DB_SIZE (its Python string has a real newline inside tr's argument), with a window.
            let getSize = { (window: Int) in
                "db2 +o connect to sample;db2 call get_dbsize_info\\(?, ?, ?, \(window)\\) | grep -A1 'DATABASESIZE' | grep 'Parameter Value' | sed 's/.*[:]//' | tr -d '\n'; db2 +o connect reset"
            }
            let size = { (window: Int) async throws -> Int64 in
                let output = try await home.shell(getSize(window)).output.trimmingCharacters(in: .whitespaces)
                return try #require(Int64(output), "\(output)")
            }
            #expect(try await size(-1) > 0)
            // The logs are not counted: with 40 MB log files the database is still small.
            try await home.succeed("db2 update db cfg for sample using LOGFILSIZ 10000")
            try await home.succeed("db2 connect to sample && db2 connect reset")
            let bytes = try await size(0)
            #expect(bytes > 0 && bytes < 1 << 20)
            for view in ["LOG_UTILIZATION", "MON_TRANSACTION_LOG_UTILIZATION"] {
                let used = try await home.shell(
                    "db2 +o connect to sample;db2 -x SELECT TOTAL_LOG_USED_KB FROM SYSIBMADM.\(view) | tr -d '\n';db2 +o connect reset")
                #expect(used.output.trimmingCharacters(in: .whitespaces) == "0", "\(view): \(used)")
            }

            let values = (1...200).map { "(\($0), '\(String(repeating: "x", count: 100))')" }.joined(separator: ", ")
            try await home.succeed(
                "db2 connect to sample && db2 \"create table t (id int, filler varchar(100))\" && db2 \"insert into t values \(values)\"")
            #expect(try await size(-1) == bytes, "cached for the default window")
            #expect(try await size(30) == bytes, "cached for 30 minutes")
            let grown = try await size(0)
            #expect(grown >= bytes + 200 * 100, "size \(bytes) then \(grown)")
            #expect(try await size(-1) == grown, "the fresh value is the new cached one")

            let full = try await home.shell("db2 connect to sample > /dev/null; db2 \"call get_dbsize_info(?, ?, ?, -1)\"")
            #expect(full.output.hasPrefix("\n  Value of output parameters\n  --------------------------\n  Parameter Name  : SNAPSHOTTIMESTAMP\n"))
            #expect(full.output.contains("  Parameter Name  : DATABASESIZE\n  Parameter Value : \(grown)\n"))
            #expect(full.output.contains("  Parameter Name  : DATABASECAPACITY\n"))
            #expect(full.output.hasSuffix("\n  Return Status = 0\n\n"))
        }
    }

    /// Trove's parse of `get dbm configuration` output: the name between the last parentheses of the left side.
    private func parse(_ configuration: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in configuration.split(separator: "\n") {
            let parts = line.components(separatedBy: " = ")
            guard parts.count == 2, let open = parts[0].lastIndex(of: "("), let close = parts[0].lastIndex(of: ")")
            else { continue }
            values[String(parts[0][parts[0].index(after: open)..<close])] = parts[1]
        }
        return values
    }

    @Test func databaseManagerConfigurationIsListedAndUpdatedAsTroveExpects() async throws {
        try await InstanceHome.with { home in
            let listing = try await home.db2("get dbm configuration")
            #expect(listing.status == 0)
            #expect(listing.output.hasPrefix("\n          Database Manager Configuration\n"))
            #expect(listing.output.contains(" Default database monitor switches\n   Buffer pool                         (DFT_MON_BUFPOOL) = OFF\n"))
            #expect(listing.output.contains(" Max number of concurrently active databases     (NUMDB) = 32\n"))
            #expect(listing.output.contains(" Default database path                       (DFTDBPATH) = \(home.home)\n"))
            var values = parse(listing.output)
            #expect(values["MON_HEAP_SZ"] == "AUTOMATIC(90)")
            #expect(values.count > 60)

            let update = try await home.db2("update database manager configuration using MON_HEAP_SZ 40")
            #expect(update.output == "DB20000I  The UPDATE DATABASE MANAGER CONFIGURATION command completed\nsuccessfully.\n")
            #expect(try await home.db2("update dbm cfg using NUMDB 30").status == 0)
            values = parse(try await home.db2("get database manager configuration").output)
            #expect(values["MON_HEAP_SZ"] == "40")
            #expect(values["NUMDB"] == "30")
            // Trove resets a parameter to the default it saved, "90 AUTOMATIC".
            #expect(try await home.db2("update database manager configuration using MON_HEAP_SZ 90 AUTOMATIC").status == 0)
            #expect(parse(try await home.db2("get dbm cfg").output)["MON_HEAP_SZ"] == "AUTOMATIC(90)")

            let unknown = try await home.db2("update dbm cfg using timezone 997")
            #expect(unknown.status == 4)
            #expect(unknown.output.hasPrefix("SQL0104N  An unexpected token \"TIMEZONE\" was found following \"USING\"."))
            let range = try await home.db2("update dbm cfg using MON_HEAP_SZ 99999999")
            #expect(
                range.output
                    == "SQL5130N  The value specified for the configuration parameter \"mon_heap_sz\" is\nnot in the valid range of \"0\" to \"60000\".\n")
            let notNumber = try await home.db2("update dbm cfg using MON_HEAP_SZ string_value")
            #expect(notNumber.status == 4)
        }
    }

    @Test func switchingOnArchiveLoggingLeavesBackupPendingUntilAFullBackup() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            let archive = try await home.path("ArchiveLogs")
            try await home.succeed("db2 create database sample")
            let initial = try await home.db2("get db cfg for sample")
            #expect(initial.output.hasPrefix("\n       Database Configuration for Database SAMPLE\n"))
            #expect(initial.output.contains(" First log archive method                 (LOGARCHMETH1) = OFF\n"))
            #expect(initial.output.contains(" Backup pending                                          = NO\n"))
            let online = try await home.db2("backup database sample online to /dev/null include logs")
            #expect(online.status == 4)
            #expect(online.output == "SQL2413N  Online backup is not allowed because the database is not recoverable\nor a backup pending condition is in effect.\n")

            // Trove's UPDATE_DB_LOG_CONFIGURATION (the shell removes the quotes) and RECOVER_FROM_BACKUP_PENDING_MODE.
            let update = try await home.shell(
                "db2 update database configuration for sample using LOGARCHMETH1 'DISK:\(archive)'")
            #expect(update.output == "DB20000I  The UPDATE DATABASE CONFIGURATION command completed successfully.\n")
            #expect(try await home.db2("get database configuration for sample").output.contains(
                " First log archive method                 (LOGARCHMETH1) = DISK:\(archive)/\n"))
            let refused = try await home.db2("connect to sample")
            #expect(refused.status == 4)
            #expect(
                refused.output
                    == "SQL1116N  A connection to or activation of database \"SAMPLE\" failed because\nthe database is in BACKUP PENDING state.  SQLSTATE=57019\n")
            #expect(try await home.db2("get db cfg for sample").output.contains(" Backup pending                                          = YES\n"))
            let clear = try await home.db2("backup database sample to /dev/null")
            #expect(clear.status == 0)
            #expect(try await home.db2("get db cfg for sample").output.contains(" Backup pending                                          = NO\n"))
            #expect(try await home.db2("connect to sample").status == 0)
            #expect(try await home.db2("connect reset").status == 0)
            let bad = try await home.db2("update db cfg for sample using LOGARCHMETH1 DISK:\(archive)/missing")
            #expect(bad.status == 4)
            #expect(bad.output.unwrapped.hasPrefix("SQL5099N  The value \"DISK:\(archive)/missing\" indicated by the database"))
        }
    }
}

extension String {
    /// The words of the text, one blank between each (CLP columns are padded to their width).
    fileprivate var collapsingBlanks: String { split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ") }
}
