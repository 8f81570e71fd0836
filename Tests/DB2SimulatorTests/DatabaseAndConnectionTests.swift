import Foundation
import Testing
import TestSupport

/// CREATE/DROP DATABASE, the database directory, and connections kept by the CLP back-end of the parent process.
@Suite(.needsServices) struct DatabaseAndConnectionTests {
    @Test func databaseNamesFollowDB2Rules() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            let created = try await home.db2("create database testDB")
            #expect(created.status == 0)
            #expect(created.output == "DB20000I  The CREATE DATABASE command completed successfully.\n")
            for name in ["toolongname", "1abc", "SYSDB", "DBMX", "IBMDB", "a-b"] {
                let result = try await home.db2("create database \(name)")
                #expect(result.status == 4, "\(name): \(result)")
                #expect(result.output == "SQL1001N  \"\(name)\" is not a valid database name.  SQLSTATE=2E000\n")
            }
            #expect(try await home.db2("create database A@#$1").status == 0)
            let again = try await home.db2("create database testdb")
            #expect(again.status == 4)
            #expect(
                again.output
                    == "SQL1005N  The database alias \"TESTDB\" already exists in either the local\ndatabase directory or system database directory.\n"
            )
        }
    }

    @Test func theDatabaseDirectoryListsDatabasesInDB2sLayout() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            let empty = try await home.db2("list database directory")
            #expect(empty.status == 2)
            #expect(empty.output == "SQL1057W  The system database directory is empty.  SQLSTATE=01606\n")
            try await home.succeed("db2 create database one && db2 create database two")
            let listing = try await home.db2("list database directory")
            #expect(listing.status == 0)
            #expect(listing.output.contains(" Number of entries in the directory = 2\n"))
            #expect(
                listing.output.contains(
                    """
                    Database 1 entry:

                     Database alias                       = ONE
                     Database name                        = ONE
                     Local database directory             = \(home.home)
                     Database release level               = 15.00
                     Comment                              =
                     Directory entry type                 = Indirect
                     Catalog database partition number    = 0
                    """))
            // Trove's LIST_DB_COMMAND, unchanged.
            let names = try await home.shell(
                "db2 list database directory | grep -B6 -i indirect | grep 'Database name' | sed 's/.*= //'")
            #expect(names.output == "ONE\nTWO\n")

            #expect(try await home.db2("drop database one").output == "DB20000I  The DROP DATABASE command completed successfully.\n")
            let missing = try await home.db2("drop database one")
            #expect(missing.status == 4)
            #expect(
                missing.output
                    == "SQL1013N  The database alias name or database name \"ONE\" could not be found.\nSQLSTATE=42705\n")
        }
    }

    @Test func aDatabaseInUseCannotBeDropped() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database sample")
            let result = try await home.shell("db2 connect to sample > /dev/null; db2 drop database sample; echo rc=$?")
            #expect(
                result.output
                    == "SQL1035N  The operation failed because the specified database cannot be\nconnected to in the mode requested.  SQLSTATE=57019\nrc=4\n"
            )
            #expect(try await home.db2("drop database sample").status == 0)
        }
    }

    @Test func aConnectionBelongsToTheParentProcessOfTheDb2Command() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database sample")
            let connect = try await home.shell("db2 connect to sample; db2 \"create table t (id int)\"; echo rc=$?")
            #expect(
                connect.output == """

                       Database Connection Information

                     Database server        = DB2/LINUXX8664 11.5.8.0
                     SQL authorization ID   = \(currentUser())
                     Local database alias   = SAMPLE

                    DB20000I  The SQL command completed successfully.
                    rc=0

                    """)
            // Another shell is another parent: no connection there.
            let other = try await home.shell("db2 \"select * from t\"; echo rc=$?")
            #expect(other.output == "SQL1024N  A database connection does not exist.  SQLSTATE=08003\nrc=4\n")
            // CONNECT RESET and TERMINATE end it for later commands of the same parent.
            let reset = try await home.shell(
                """
                db2 connect to sample > /dev/null
                db2 connect reset
                db2 -x "select count(*) from t"; echo rc=$?
                db2 connect to sample > /dev/null
                db2 terminate
                db2 -x "select count(*) from t"; echo rc=$?
                """)
            #expect(
                reset.output == """
                    DB20000I  The SQL command completed successfully.
                    SQL1024N  A database connection does not exist.  SQLSTATE=08003
                    rc=4
                    DB20000I  The TERMINATE command completed successfully.
                    SQL1024N  A database connection does not exist.  SQLSTATE=08003
                    rc=4

                    """)
            // Commands run one by one by the same process (as the agent runs them) share its back-end.
            #expect(try await home.db2("connect to sample").status == 0)
            #expect(try await home.db2("select * from t").status == 1)
            #expect(try await home.db2("connect reset").status == 0)
        }
    }

    @Test func forcedApplicationsLearnAtTheirNextRequest() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database sample")
            let result = try await home.shell(
                """
                db2 connect to sample > /dev/null
                db2 force application all > /dev/null
                db2 -x "select count(*) from sysibm.sysdummy1"; echo rc=$?
                db2 -x "select count(*) from sysibm.sysdummy1"; echo rc=$?
                """)
            #expect(result.output.hasPrefix("SQL1224N  The database manager is not able to accept new requests"))
            #expect(result.output.hasSuffix("SQLSTATE=55032\nrc=4\nSQL1024N  A database connection does not exist.  SQLSTATE=08003\nrc=4\n"))
        }
    }

    @Test func quiesceAndUnquiesceAsTroveRunsThem() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database sample")
            let result = try await home.shell(
                """
                db2 connect to sample > /dev/null
                db2 QUIESCE INSTANCE DB2INST1 RESTRICTED ACCESS IMMEDIATE FORCE CONNECTIONS
                db2 terminate > /dev/null
                db2 backup database sample to /dev/null
                db2 UNQUIESCE INSTANCE DB2INST1
                """)
            #expect(result.status == 0, "\(result)")
            #expect(result.output.hasPrefix("DB20000I  The QUIESCE INSTANCE command completed successfully.\n"))
            #expect(result.output.contains("Backup successful. The timestamp for this backup image is : "))
            #expect(result.output.hasSuffix("DB20000I  The UNQUIESCE INSTANCE command completed successfully.\n"))
            let wrong = try await home.db2("quiesce instance other immediate")
            #expect(wrong.output == "SQL1097N  The node name was not found in the node directory.\n")
        }
    }

    /// IBM, QUIESCE: users with SYSADM keep access to a quiesced instance. Such a connection made after QUIESCE ...
    /// FORCE CONNECTIONS is there when the offline BACKUP starts, which then fails with SQL1035N.
    @Test func aConnectionInTheQuiesceWindowFailsTheOfflineBackup() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database sample")
            try await home.succeed("db2 QUIESCE INSTANCE DB2INST1 RESTRICTED ACCESS IMMEDIATE FORCE CONNECTIONS")
            let result = try await home.shell(
                """
                db2 connect to sample > /dev/null || exit 9
                (db2 backup database sample to /dev/null; echo rc=$?) &
                wait
                """)
            #expect(result.output.hasPrefix("SQL1035N"), "\(result)")
            #expect(result.output.hasSuffix("rc=4\n"))
            try await home.succeed("db2 UNQUIESCE INSTANCE DB2INST1")
        }
    }

    @Test func theDatabaseManagerSnapshotTellsAQuiescedInstance() async throws {
        try await InstanceHome.with { home in
            let stopped = try await home.db2("get snapshot for dbm")
            #expect(stopped.output.hasPrefix("SQL1032N"), "\(stopped)")
            try await home.start()
            let active = try await home.db2("get snapshot for database manager")
            #expect(active.status == 0)
            #expect(active.output.contains("Database Manager Snapshot"))
            #expect(active.output.contains("\nDatabase manager status                        = Active\n"), "\(active.output)")
            try await home.succeed("db2 quiesce instance db2inst1 restricted access immediate force connections")
            let quiesced = try await home.db2("GET SNAPSHOT FOR DB MANAGER")
            #expect(quiesced.output.contains("\nDatabase manager status                        = Quiesced\n"))
            try await home.succeed("db2 unquiesce instance db2inst1")
            #expect(try await home.db2("get snapshot for dbm").output.contains("= Active\n"))
        }
    }

    private func currentUser() -> String { currentAuthorizationID() }
}

/// ACTIVATE/DEACTIVATE DATABASE and the monitor listings.
@Suite(.needsServices) struct ActivationTests {
    @Test func anActivatedDatabaseIsActiveWithoutConnections() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database sample")
            let activate = try await home.db2("activate database sample")
            #expect(activate.output == "DB20000I  The ACTIVATE DATABASE command completed successfully.\n")
            let again = try await home.db2("activate db sample")
            #expect(again.status == 2)
            #expect(again.output.hasPrefix("SQL1490W"))
            #expect(try await home.db2("list active databases").output.contains("Database name                              = SAMPLE\n"))
            #expect(try await home.run(["db2stop"]).output.hasSuffix("SQL1025N  The database manager was not stopped because databases are still\nactive.\n"))
            #expect(try await home.db2("backup database sample to /dev/null").output.hasPrefix("SQL1035N"))
            #expect(try await home.db2("deactivate database sample").output == "DB20000I  The DEACTIVATE DATABASE command completed successfully.\n")
            let notActive = try await home.db2("deactivate database sample")
            #expect(notActive.status == 4)
            #expect(notActive.output.hasPrefix("SQL1496N"))
            #expect(try await home.db2("list active databases").output == "SQL1611W  No data was returned by Database System Monitor.\n")
            let applications = try await home.shell("db2 connect to sample > /dev/null && db2 list applications")
            #expect(applications.output.contains("\(currentAuthorizationID().padded(8)) db2bp"))
            #expect(applications.output.contains("SAMPLE   1"))
        }
    }
}

extension String {
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
