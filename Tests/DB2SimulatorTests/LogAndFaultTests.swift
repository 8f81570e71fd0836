import Foundation
import Testing
import TestSupport

/// Active log files, their archiving, and the fault control file.
@Suite(.needsServices) struct LogAndFaultTests {
    private func logFiles(_ directory: String) async throws -> [String] {
        try await Files.list(directory).filter { $0.hasSuffix(".LOG") }
    }

    private func activeLogDirectory(_ home: InstanceHome) async throws -> String {
        let listing = try await home.db2("get db cfg for sample")
        let line = try #require(listing.output.nonEmptyLines.first { $0.hasPrefix(" Path to log files") })
        return String(try #require(line.components(separatedBy: " = ").last))
    }

    private func insertMany(_ home: InstanceHome, from: Int, count: Int) async throws {
        let filler = String(repeating: "z", count: 200)
        let values = (from..<(from + count)).map { "(\($0), '\(filler)')" }.joined(separator: ", ")
        try await home.succeed("db2 connect to sample && db2 \"insert into t values \(values)\" && db2 terminate")
    }

    @Test func fullLogFilesRollOverAndCircularLoggingReusesTheSpace() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed(
                """
                db2 create database sample
                db2 update db cfg for sample using LOGFILSIZ 4 LOGPRIMARY 3
                db2 connect to sample
                db2 "create table t (id int, filler varchar(200))"
                db2 terminate
                """)
            let directory = try await activeLogDirectory(home)
            #expect(directory.hasPrefix("\(home.home)/\(home.instance)/NODE0000/SQL00001/"))
            for round in 0..<4 { try await insertMany(home, from: round * 100, count: 100) }
            let files = try await logFiles(directory)
            #expect(files.count <= 3, "\(files)")
            #expect(files.last.map { $0 > "S0000003.LOG" } == true, "\(files)")
            for file in files {
                let size = try await Files.size("\(directory)/\(file)")
                #expect(size == 4 * 4096, "\(file) has \(String(describing: size)) bytes")
            }
            #expect(try await home.db2("get db cfg for sample").output.contains(" First active log file                                   = \(files.last!)\n"))
        }
    }

    @Test func archiveLoggingCopiesFullLogFilesToTheArchiveDirectory() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            let archive = try await home.path("ArchiveLogs")
            try await home.succeed(
                """
                db2 create database sample
                db2 update db cfg for sample using LOGARCHMETH1 DISK:\(archive) LOGFILSIZ 4 LOGPRIMARY 2
                db2 backup database sample to /dev/null
                db2 connect to sample
                db2 "create table t (id int, filler varchar(200))"
                db2 terminate
                """)
            for round in 0..<3 { try await insertMany(home, from: round * 100, count: 100) }
            let chain = "\(archive)/\(home.instance)/SAMPLE/NODE0000/LOGSTREAM0000/C0000000"
            let archived = try await logFiles(chain)
            #expect(archived.count >= 3, "\(archived)")
            #expect(archived.first == "S0000000.LOG" || archived.first == "S0000001.LOG", "\(archived)")
            let active = try await logFiles(try await activeLogDirectory(home))
            // Every closed file is archived; the active directory keeps the newest ones.
            #expect(Set(archived).union(active).count == archived.count + 1, "archived \(archived), active \(active)")
        }
    }

    @Test func aFaultRuleFailsTheNextMatchingCommandWithTheChosenMessage() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            let added = try await home.simulator(["fault", "add", "--match", "create database", "--fail", "SQL1005N", "--token", "SAMPLE"])
            #expect(added.output == "1\n")
            let failed = try await home.db2("create database sample")
            #expect(failed.status == 4)
            #expect(failed.output.hasPrefix("SQL1005N  The database alias \"SAMPLE\" already exists"))
            #expect(try await home.db2("list database directory").status == 2)
            #expect(try await home.db2("create database sample").status == 0)
            let list = try await home.simulator(["fault", "list"])
            #expect(list.output == "id=1 match=\"create database\" at=start action=fail message=SQL1005N remaining=0 fired=1\n")

            let usage = try await home.simulator(["fault", "add", "--match", "x"])
            #expect(usage.status == 64)
            #expect(usage.output.contains("give exactly one of --fail, --hang, --kill, --disk-full-after"))
            let badPoint = try await home.simulator(["fault", "add", "--match", "x", "--kill", "--at", "later"])
            #expect(badPoint.output.contains("--at must be one of"))
        }
    }

    @Test func aHangingCommandCarriesOnWhenTheRuleIsCleared() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            #expect(try await home.simulator(["fault", "add", "--match", "create database", "--hang", "300"]).status == 0)
            let create = try home.spawnShell("db2 create database slow")
            try await waitUntil("the command reaches the rule") {
                try await home.simulator(["fault", "list"]).output.contains("fired=1")
            }
            #expect(try await home.db2("list database directory").status == 2)
            #expect(try await home.simulator(["fault", "clear"]).status == 0)
            let result = await create.wait()
            #expect(result.output == "DB20000I  The CREATE DATABASE command completed successfully.\n")
        }
    }

    @Test func aProcessKilledBeforeItsCommitLeavesTheDatabaseAsItWas() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed(
                """
                db2 create database sample
                db2 update db cfg for sample using LOGFILSIZ 4
                db2 connect to sample
                db2 "create table t (id int, filler varchar(200))"
                """)
            try await insertMany(home, from: 1, count: 50)
            #expect(try await home.simulator(["fault", "add", "--match", "insert into t", "--at", "before-commit", "--kill"]).status == 0)
            let filler = String(repeating: "k", count: 200)
            let values = (1000..<1100).map { "(\($0), '\(filler)')" }.joined(separator: ", ")
            let killed = try await home.shell("db2 connect to sample > /dev/null; db2 \"insert into t values \(values)\"; echo rc=$?")
            #expect(killed.output.hasSuffix("rc=137\n"), "\(killed)")
            let count = try await home.shell("db2 connect to sample > /dev/null && db2 -x \"select count(*) from t\"")
            #expect(count.output == "         50\n")
            try await insertMany(home, from: 51, count: 50)
            let after = try await home.shell("db2 connect to sample > /dev/null && db2 -x \"select count(*), min(id), max(id) from t\"")
            #expect(after.output == "        100           1         100\n")
            // The log holds what the data holds: a backup restored and rolled forward has the same rows.
            let directory = try await home.path("backup")
            try await home.succeed("db2 terminate && db2 backup database sample to \(directory) && db2 restore database sample from \(directory) into copy")
            let copy = try await home.shell("db2 connect to copy > /dev/null && db2 -x \"select count(*) from t\"")
            #expect(copy.output == "        100\n")
        }
    }
}
