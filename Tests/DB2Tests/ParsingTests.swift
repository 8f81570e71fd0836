import DB2
import Testing

@Suite struct MessageParsingTests {
    @Test func wrappedMessagesAreJoinedWithTheirSQLState() {
        let output = """
            SQL1013N  The database alias name or database name "NODB" could not be found.
            SQLSTATE=42705
            """
        let messages = DB2Message.parseAll(output)
        #expect(messages == [DB2Message(identifier: "SQL1013N", text: "The database alias name or database name \"NODB\" could not be found.", sqlState: "42705")])
        #expect(DB2Error.kind(of: messages[0]) == .databaseNotFound)
    }

    @Test func db2startMemberLinesAndInformationMessages() {
        let output = "11/25/2026 16:05:26     0   0   SQL1063N  DB2START processing was successful.\nSQL1063N  DB2START processing was successful.\n"
        let messages = DB2Message.parseAll(output)
        #expect(messages.map(\.identifier) == ["SQL1063N", "SQL1063N"])
        let info = DB2Message.parseAll("DB20000I  The SQL command completed successfully.")
        #expect(info.first?.isError == false)
    }

    @Test(arguments: [
        ("SQL1116N", DB2Error.Kind.backupPending), ("SQL1117N", .rollforwardPending), ("SQL2413N", .notRecoverable),
        ("SQL1035N", .inUse), ("SQL1032N", .instanceNotStarted), ("SQL1005N", .alreadyExists), ("SQL0204N", .sqlError),
        ("DB21034E", .commandFailed),
    ])
    func messagesMapToKinds(identifier: String, kind: DB2Error.Kind) {
        #expect(DB2Error.kind(of: DB2Message(identifier: identifier, text: "x")) == kind)
    }

    @Test func aTranscriptShowsWhichStatementFailed() throws {
        let output = """
            CONNECT TO TESTDB

               Database Connection Information

            UPDATE DB CFG FOR TESTDB USING LOGARCHMETH1 OFF
            SQL5130N  The value specified for the configuration parameter "x" is not in
            the valid range of "0" to "1".  SQLSTATE=22008

            """
        let transcript = CLPTranscript(
            statements: ["CONNECT TO TESTDB", "UPDATE DB CFG FOR TESTDB USING LOGARCHMETH1 OFF", "CONNECT RESET"],
            output: output, returnCode: CLPReturnCode(rawValue: 4))
        #expect(transcript.statements[0].succeeded)
        #expect(transcript.statements[1].error?.identifier == "SQL5130N")
        #expect(transcript.statements[1].error?.sqlState == "22008")
        #expect(!transcript.statements[2].ran)
        let error = #expect(throws: DB2Error.self) { try transcript.check(step: "UPDATE", database: "TESTDB") }
        #expect(error?.message?.identifier == "SQL5130N")
        #expect(error?.description.contains("UPDATE of database TESTDB failed: SQL5130N") == true)
    }

    @Test func aFailedCLPWithoutAMessageIsStillAFailure() {
        let transcript = CLPTranscript(statements: ["X"], output: "", returnCode: CLPReturnCode(rawValue: 8))
        #expect(throws: DB2Error.self) { try transcript.check(step: "X") }
    }
}

@Suite struct OutputParsingTests {
    @Test func tablesAreCutAtTheDashes() throws {
        let output = """

            GRANTEE                    GRANTEETYPE DATAACCESSAUTH
            -------------------------- ----------- --------------
            ROOT                       U           Y
            PUBLIC                     G           -

              2 record(s) selected.

            """
        let table = try #require(CLPTable(output))
        #expect(table.columns == ["GRANTEE", "GRANTEETYPE", "DATAACCESSAUTH"])
        #expect(table.rows == [["ROOT", "U", "Y"], ["PUBLIC", "G", nil]])
        #expect(table.column("granteetype") == ["U", "G"])
    }

    @Test func theDatabaseDirectoryKeepsLocalEntries() {
        let output = """

             System Database Directory

             Number of entries in the directory = 2

            Database 1 entry:

             Database alias                       = TESTDB
             Database name                        = TESTDB
             Local database directory             = /home/db2inst1
             Directory entry type                 = Indirect

            Database 2 entry:

             Database alias                       = FAR
             Database name                        = FAR
             Node name                            = N1
             Directory entry type                 = Remote

            """
        #expect(DatabaseDirectoryEntry.parseLocal(output).map(\.alias) == ["TESTDB"])
        #expect(DatabaseDirectoryEntry.parse(output).count == 2)
    }

    @Test func configurationListingsAsTroveReadsThem() {
        let output = """
             Backup pending                                          = YES
             First log archive method                 (LOGARCHMETH1) = DISK:/home/db2inst1/db2inst1/ArchiveLogs/
             Transaction processor monitor name        (TP_MON_NAME) =
             Size of instance shared memory (4KB)  (INSTANCE_MEMORY) = AUTOMATIC(90)
            """
        let listing = ConfigurationListing(output)
        #expect(listing[parameter: "logarchmeth1"] == "DISK:/home/db2inst1/db2inst1/ArchiveLogs/")
        #expect(listing.isSet("Backup pending"))
        #expect(ConfigurationListing.updatable(listing[parameter: "TP_MON_NAME"] ?? "?") == "NULL")
        #expect(ConfigurationListing.updatable(listing[parameter: "INSTANCE_MEMORY"] ?? "") == "90 AUTOMATIC")
    }

    @Test func backupImageNames() throws {
        let image = try #require(BackupImage(path: "/b/TESTDB.0.db2inst1.DBPART000.20160909123456.001"))
        #expect(image.database.value == "TESTDB")
        #expect(image.timestamp == "20160909123456")
        #expect(image.instance == "db2inst1")
        #expect(BackupImage(path: "/b/TESTDB.0.db2inst1.NODE0000.CATN0000.20160909123456.001")?.sequence == 1)
        #expect(BackupImage(path: "/b/testdb.0.db2inst1.DBPART000.20160909123456.001") == nil)
        #expect(BackupImage(path: "/b/TESTDB.0.db2inst1.DBPART000.2016.001") == nil)
        #expect(BackupImage(path: "/b/notes.txt") == nil)
    }
}

@Suite struct ValidationTests {
    @Test(arguments: ["testdb", "A@#$", "X1", "ABCDEFGH"])
    func validDatabaseNames(name: String) throws {
        #expect(try DatabaseName(name).value == name.uppercased())
    }

    @Test(arguments: [
        ("", "empty"), ("ABCDEFGHI", "longer than 8"), ("my_db", "contains \"_\""), ("db-1", "contains \"-\""),
        ("1DB", "starts with a digit"), ("SYSX", "starts with SYS"), ("ibmdb", "starts with IBM"),
        ("DBMA", "starts with DBM"),
    ])
    func invalidDatabaseNamesNameTheRule(name: String, rule: String) {
        let error = #expect(throws: DB2Error.self) { try DatabaseName(name) }
        #expect(error?.kind == .invalidRequest)
        #expect(error?.detail.contains(rule) == true, "\(error?.detail ?? "")")
    }

    @Test(arguments: [
        ("", "empty"), ("1user", "start with a letter"), ("bob-smith", "contains \"-\""), ("public", "reserved"),
        ("sysadm", "starts with SYS"), (String(repeating: "a", count: 31), "longer than 30"), ("bo b", "contains \" \""),
    ])
    func invalidUserNamesNameTheRule(name: String, rule: String) {
        let error = #expect(throws: DB2Error.self) { try UserName(name) }
        #expect(error?.detail.contains(rule) == true, "\(error?.detail ?? "")")
    }

    @Test func userNamesFoldForTheOSAndForDB2() throws {
        let name = try UserName("Alice_1")
        #expect(name.login == "alice_1")
        #expect(name.authorizationID == "ALICE_1")
    }

    @Test func overridesTakeOneValueOrAnAutomaticOne() throws {
        #expect(try ConfigurationOverride(parameter: "mon_heap_sz", value: "90 AUTOMATIC").value == "90 AUTOMATIC")
        #expect(throws: DB2Error.self) { try ConfigurationOverride(parameter: "MON_HEAP_SZ", value: "1; DROP DATABASE X") }
        #expect(throws: DB2Error.self) { try ConfigurationOverride(parameter: "A B", value: "1") }
    }

    @Test func pagesCarryARealNextMarker() {
        let names = ["E", "A", "C", "B", "D"]
        let first = Page.paginate(names, key: { $0 }, limit: 2, marker: nil, includeMarker: false)
        #expect(first.items == ["A", "B"])
        #expect(first.nextMarker == "B")
        let second = Page.paginate(names, key: { $0 }, limit: 2, marker: first.nextMarker, includeMarker: false)
        #expect(second.items == ["C", "D"])
        let last = Page.paginate(names, key: { $0 }, limit: 2, marker: second.nextMarker, includeMarker: false)
        #expect(last.items == ["E"])
        #expect(last.nextMarker == nil)
        #expect(Page.paginate(names, key: { $0 }, limit: nil, marker: "C", includeMarker: true).items == ["C", "D", "E"])
        #expect(Page.paginate(names, key: { $0 }, limit: nil, marker: "BB", includeMarker: false).items == ["C", "D", "E"])
    }
}

@Suite struct InstallDirectoryParsingTests {
    @Test func db2levelNamesTheInstall() {
        let output = """
            DB21085I  This instance or install (instance name, where applicable:
            "db2inst1") uses "64" bits and Db2 code release "SQL11058" with level
            identifier "0609010F".
            Informational tokens are "DB2 v11.5.8.0", "s2209201700", "DYN2209201700AMD64",
            and Fix Pack "0".
            Product is installed at "/opt/ibm/db2/V11.5".
            """
        #expect(DB2Manager.installDirectory(in: output) == "/opt/ibm/db2/V11.5")
        #expect(DB2Manager.installDirectory(in: "Product is installed at \"relative/dir\".") == nil)
        #expect(DB2Manager.installDirectory(in: "Product is installed at \"/opt/../etc\".") == nil)
        #expect(DB2Manager.installDirectory(in: "SQL1390C  The environment variable DB2INSTANCE is not defined") == nil)
    }
}

@Suite struct BackupSizeEstimateTests {
    /// The log an online image carries: the log held by open work in whole LOGFILSIZ files, plus the backup's own.
    @Test func logIsCountedInWholeLogFilesPlusOne() throws {
        let name = try DatabaseName("SAMPLE")
        let file: Int64 = 1000 * 4096
        #expect(BackupSizeEstimate(database: name, databaseBytes: 10, openLogKB: 0, logFilePages: 1000).logBytes == file)
        #expect(BackupSizeEstimate(database: name, databaseBytes: 10, openLogKB: 4000, logFilePages: 1000).logBytes == 2 * file)
        let open = BackupSizeEstimate(database: name, databaseBytes: 10, openLogKB: 4001, logFilePages: 1000)
        #expect(open.logBytes == 3 * file)
        #expect(open.totalBytes == 10 + 3 * file)
        let huge = BackupSizeEstimate(database: name, databaseBytes: .max, openLogKB: .max, logFilePages: .max)
        #expect(huge.totalBytes == .max)
    }
}
