import Testing

@testable import DB2Simulator

/// Messages are printed as DB2's CLP prints them: checked against output captured from real DB2 servers (the
/// sources are listed in Tests/DB2Simulator/README.md).
@Suite struct MessageFormatTests {
    @Test(arguments: [
        (
            DB2Message("SQL2413N"),
            "SQL2413N  Online backup is not allowed because the database is not recoverable\nor a backup pending condition is in effect."
        ),
        (
            DB2Message("SQL1116N", "TESTDB"),
            "SQL1116N  A connection to or activation of database \"TESTDB\" failed because\nthe database is in BACKUP PENDING state.  SQLSTATE=57019"
        ),
        (
            DB2Message("SQL1117N", "NECC_DB"),
            "SQL1117N  A connection to or activation of database \"NECC_DB\" cannot be made\nbecause of ROLL-FORWARD PENDING.  SQLSTATE=57019"
        ),
        (
            DB2Message("SQL0206N", "POOL_DATA_L_READS"),
            "SQL0206N  \"POOL_DATA_L_READS\" is not valid in the context where it is used.\nSQLSTATE=42703"
        ),
        (
            DB2Message("SQL2523W"),
            "SQL2523W  Warning!  Restoring to an existing database that is different from\nthe database on the backup image, but have matching names. The target database\nwill be overwritten by the backup version.  The Roll-forward recovery logs\nassociated with the target database will be deleted."
        ),
        (
            DB2Message("DB21034E"),
            "DB21034E  The command was processed as an SQL statement because it was not a\nvalid Command Line Processor command.  During SQL processing it returned:"
        ),
        (DB2Message("SQL1032N"), "SQL1032N  No start database manager command was issued.  SQLSTATE=57019"),
        (DB2Message.completed("CREATE DATABASE"), "DB20000I  The CREATE DATABASE command completed successfully."),
        (
            DB2Message.completed("UPDATE DATABASE MANAGER CONFIGURATION"),
            "DB20000I  The UPDATE DATABASE MANAGER CONFIGURATION command completed\nsuccessfully."
        ),
    ])
    func wrapsLikeTheCLP(message: DB2Message, expected: String) {
        #expect(message.description == expected)
    }

    @Test func severityGivesTheReturnCode() {
        #expect(DB2Message.completed("SQL").returnCode == 0)
        #expect(DB2Message("SQL1057W").returnCode == 2)
        #expect(DB2Message("SQL0100W").returnCode == 1)
        #expect(DB2Message("SQL1024N").returnCode == 4)
        #expect(DB2Message("SQL0902C", "1").returnCode == 4)
        #expect(DB2Message("SQL1024N").sqlCode == -1024)
        #expect(DB2Message("SQL9999N").text == "The operation failed (simulated message SQL9999N).")
    }

    @Test func configurationLinesLineUpLikeDB2s() {
        let line = ConfigParameter("Workload impact by throttled utilities", "UTIL_IMPACT_LIM", "10").rendered(value: "10")
        #expect(line == " Workload impact by throttled utilities(UTIL_IMPACT_LIM) = 10")
        let buffer = ConfigParameter("  Buffer pool", "DFT_MON_BUFPOOL", "OFF").rendered(value: "OFF")
        #expect(buffer == "   Buffer pool                         (DFT_MON_BUFPOOL) = OFF")
        let log = ConfigParameter("Log file size (4KB)", "LOGFILSIZ", "1024").rendered(value: "1024")
        #expect(log == " Log file size (4KB)                         (LOGFILSIZ) = 1024")
    }
}
