import Foundation
import Testing
import TestSupport

/// SQL through the CLP: tables, rows, DB2's column output and return codes, input files and options.
@Suite(.needsServices) struct SQLTests {
    /// An instance with database SAMPLE, a table T and a script prefix that connects to it.
    private func prepared(_ home: InstanceHome) async throws -> String {
        try await home.start()
        try await home.succeed(
            """
            db2 create database sample
            db2 connect to sample
            db2 "create table t (id integer not null, name varchar(20), created timestamp)"
            db2 "insert into t values (1, 'one', '2024-01-02-03.04.05.000006'), (2, 'two', null), (3, null, null)"
            """)
        return "db2 connect to sample > /dev/null\n"
    }

    @Test func selectPrintsDB2sColumnLayout() async throws {
        try await InstanceHome.with { home in
            let connect = try await prepared(home)
            let all = try await home.shell(connect + "db2 \"select * from t\"")
            let expected = [
                "",
                "ID          NAME                 CREATED                   ",
                "----------- -------------------- --------------------------",
                "          1 one                  2024-01-02-03.04.05.000006",
                "          2 two                  -                         ",
                "          3 -                    -                         ",
                "",
                "  3 record(s) selected.",
                "",
            ]
            #expect(all.output == expected.map { $0 + "\n" }.joined())
            let count = try await home.shell(connect + "db2 \"select count(*) from t\"")
            #expect(count.output == "\n1          \n-----------\n          3\n\n  1 record(s) selected.\n\n")
            let bare = try await home.shell(connect + "db2 -x \"select id, name from t where id >= 2 order by id desc\"")
            #expect(bare.output == "          3 -                   \n          2 two                 \n")
        }
    }

    @Test func returnCodesFollowTheCLP() async throws {
        try await InstanceHome.with { home in
            let connect = try await prepared(home)
            let none = try await home.shell(connect + "db2 \"select * from t where id = 99\"; echo rc=$?")
            #expect(none.output.hasSuffix("  0 record(s) selected.\n\nrc=1\n"))
            let noneBare = try await home.shell(connect + "db2 -x \"select * from t where id = 99\"; echo rc=$?")
            #expect(noneBare.output == "rc=1\n")
            let undefined = try await home.shell(connect + "db2 \"select * from nosuch\"; echo rc=$?")
            #expect(undefined.output == "SQL0204N  \"\(currentAuthorizationID()).NOSUCH\" is an undefined name.  SQLSTATE=42704\nrc=4\n")
            let column = try await home.shell(connect + "db2 \"select nosuch from t\"; echo rc=$?")
            // As DB2 prints it (SQL0206N leaves SQLSTATE for the next line).
            #expect(column.output == "SQL0206N  \"NOSUCH\" is not valid in the context where it is used.\nSQLSTATE=42703\nrc=4\n")
            let notCLP = try await home.shell(connect + "db2 \"selec * from t\"; echo rc=$?")
            #expect(
                notCLP.output == """
                    DB21034E  The command was processed as an SQL statement because it was not a
                    valid Command Line Processor command.  During SQL processing it returned:
                    SQL0104N  An unexpected token "SELEC" was found following
                    "BEGIN-OF-STATEMENT".  Expected tokens may include:  "<space>".
                    SQLSTATE=42601
                    rc=4

                    """)
            // +w: "warnings are suppressed, 1 and 2 codes are never returned, and 0 is returned" (IBM return codes).
            let quiet = try await home.shell(connect + "db2 +w -x \"select * from t where id = 99\"; echo rc=$?")
            #expect(quiet.output == "rc=0\n")
            let upper = try await home.shell(connect + "db2 -X -O- \"select * from t where id = 99\"; echo rc=$?")
            #expect(upper.output == "rc=1\n")
            let option = try await home.run(["db2", "-y", "select 1 from t"])
            #expect(option.status == 4)
            #expect(option.output.hasPrefix("DB21001E  The option \"-y\" specified after the 'db2' command"))
        }
    }

    @Test func insertsAreCheckedAgainstTheColumns() async throws {
        try await InstanceHome.with { home in
            let connect = try await prepared(home)
            let cases: [(String, String)] = [
                ("insert into t values (4, 'abcdefghijklmnopqrstu', null)",
                 "SQL0433N  Value \"abcdefghijklmnopqrstu\" is too long.  SQLSTATE=22001\n"),
                ("insert into t values (4)",
                 "SQL0117N  The number of values assigned is not the same as the number of\nspecified or implied columns or variables.  SQLSTATE=42802\n"),
                ("insert into t (name) values ('x')",
                 "SQL0407N  Assignment of a NULL value to a NOT NULL column \"TBSPACEID=2,\nTABLEID=4, COLNO=0\" is not allowed.  SQLSTATE=23502\n"),
                ("insert into t values (99999999999, 'x', null)",
                 "SQL0413N  Overflow occurred during numeric data type conversion.\nSQLSTATE=22003\n"),
                ("insert into t values (5, 'x', 'not a time')",
                 "SQL0180N  The syntax of the string representation of a datetime value is\nincorrect.  SQLSTATE=22007\n"),
                ("create table t (x int)",
                 "SQL0601N  The name of the object to be created is identical to the existing\nname \"\(currentAuthorizationID()).T\" of type \"TABLE\".  SQLSTATE=42710\n"),
            ]
            for (statement, message) in cases {
                let result = try await home.shell(connect + "db2 \"\(statement)\"; echo rc=$?")
                #expect(result.output == message + "rc=4\n", "\(statement)")
            }
            // A failed multi-row insert commits none of its rows.
            let partial = try await home.shell(connect + "db2 \"insert into t values (7, 'ok', null), (8, 'way too long for the column', null)\"; db2 -x \"select count(*) from t\"")
            #expect(partial.output.hasSuffix("          3\n"))
            let more = try await home.shell(connect + "db2 \"insert into t (id, name) values (4, 'four')\" && db2 -x \"select name from t where id = 4\"")
            #expect(more.output == "DB20000I  The SQL command completed successfully.\nfour                \n")
            let deleted = try await home.shell(connect + "db2 \"delete from t where id > 2\" && db2 -x \"select count(*) from t\" && db2 \"delete from t where id = 99\"; echo rc=$?")
            #expect(deleted.output.hasPrefix("DB20000I  The SQL command completed successfully.\n          2\nSQL0100W  No row was found"))
            #expect(deleted.output.hasSuffix("rc=1\n"))
        }
    }

    @Test func inputFilesRunStatementByStatement() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database sample")
            let directory = try await home.path("scripts")
            let script = """
                -- a comment line
                connect to sample;
                create table t (id int,
                    name varchar(10));
                insert into t values (1, 'a;b');
                select * from t where id = 42;
                select * from nosuch;
                insert into t values (2, 'after');
                """
            try await Files.write(script, to: "\(directory)/script.clp")
            let all = try await home.run(["db2", "-tvf", "\(directory)/script.clp"])
            // 0 | 1 (no rows) | 4 (error): the OR of the distinct codes.
            #expect(all.status == 5, "\(all)")
            #expect(all.output.hasPrefix("connect to sample\n\n   Database Connection Information\n"))
            #expect(all.output.contains("insert into t values (1, 'a;b')\nDB20000I  The SQL command completed successfully.\n\n"))
            #expect(all.output.contains("select * from nosuch\nSQL0204N"))
            #expect(all.output.hasSuffix("insert into t values (2, 'after')\nDB20000I  The SQL command completed successfully.\n\n"))

            try await Files.write(
                script.replacingOccurrences(of: "table t ", with: "table t2 "), to: "\(directory)/script2.clp")
            let stop = try await home.run(["db2", "-tvs", "-f", "\(directory)/script2.clp"])
            #expect(stop.status == 5)
            #expect(!stop.output.contains("'after'"))
            let quiet = try await home.run(["db2", "+o", "-tf", "\(directory)/script.clp"])
            #expect(quiet.output.isEmpty)
            let missing = try await home.run(["db2", "-tvf", "\(directory)/nosuch.clp"])
            #expect(missing.status == 8)
        }
    }

    @Test func commandWordsMayComeAsSeparateArguments() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            let result = try await home.run(["db2", "create", "database", "words"])
            #expect(result.output == "DB20000I  The CREATE DATABASE command completed successfully.\n")
            let upper = try await home.run(["db2", "CONNECT", "TO", "Words"])
            #expect(upper.output.contains(" Local database alias   = WORDS\n"))
            #expect(try await home.run(["db2", "connect", "reset"]).status == 0)
        }
    }
}
