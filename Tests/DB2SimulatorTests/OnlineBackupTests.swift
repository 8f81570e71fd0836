import AgentSupport
import Foundation
import Testing
import TestSupport

/// The online case end to end: a writer inserts while `BACKUP ... ONLINE ... INCLUDE LOGS` runs; the image is
/// restored in another instance home and rolled forward; exactly the committed rows come back.
@Suite(.needsServices) struct OnlineBackupTests {
    /// Loads `count` rows of about 200 bytes through an input file, as a setup would.
    private func load(_ home: InstanceHome, rows count: Int) async throws {
        let directory = try await home.path("load")
        var script = "connect to sample;\n"
        for start in stride(from: 1, through: count, by: 500) {
            let values = (start..<min(start + 500, count + 1)).map { "(\($0), 'base', '\(String(repeating: "b", count: 180))')" }
            script += "insert into rows values \(values.joined(separator: ", "));\n"
        }
        try await Files.write(script, to: "\(directory)/load.clp")
        let result = try await home.run(["db2", "-tsf", "\(directory)/load.clp"])
        guard result.status == 0 else { throw HarnessError("loading failed: \(result)") }
    }

    private func lines(_ path: String) async -> [String] {
        (await Files.text(path) ?? "").nonEmptyLines
    }

    private func firedCount(_ home: InstanceHome) async throws -> Int {
        let list = try await home.simulator(["fault", "list"]).output
        guard let range = list.range(of: #"fired=(\d+)"#, options: .regularExpression) else { return 0 }
        return Int(list[range].dropFirst("fired=".count)) ?? 0
    }

    @Test func rowsCommittedDuringAnOnlineBackupAreRecoveredAndNoOthers() async throws {
        try await InstanceHome.with { source in
            try await source.start()
            let archive = try await source.path("ArchiveLogs")
            let backupDirectory = try await source.path("backup")
            let work = try await source.path("writer")
            try await source.succeed(
                """
                db2 create database sample
                db2 update db cfg for sample using LOGARCHMETH1 'DISK:\(archive)' LOGFILSIZ 4
                db2 backup database sample to /dev/null
                db2 connect to sample
                db2 "create table rows (id integer not null, writer varchar(10), payload varchar(200))"
                """)
            try await load(source, rows: 4000)

            // The backup stops after copying the data files until the rule is cleared: every row the writer commits
            // meanwhile exists only in the log.
            let hang = try await source.simulator(["fault", "add", "--match", "BACKUP DATABASE", "--at", "after-data", "--hang", "300"])
            #expect(hang.status == 0, "\(hang)")
            let committed = "\(work)/committed"
            let writer = try source.spawnShell(
                """
                db2 connect to sample > /dev/null || exit 1
                i=0
                while [ ! -f \(work)/stop ]; do
                    i=$((i + 1))
                    if db2 "insert into rows values ($i, 'writer', 'row $i')" > /dev/null; then echo $i >> \(committed); fi
                done
                """)
            try await waitUntil("the writer commits rows") { await lines(committed).count >= 3 }
            let backup = try source.spawnShell("db2 backup database sample online to \(backupDirectory) include logs")
            try await waitUntil("the backup has copied the data") { try await firedCount(source) >= 1 }
            let listed = try await source.db2("list utilities")
            #expect(listed.output.contains("Type                             = BACKUP\n"))
            #expect(listed.output.contains("Description                      = online db\n"))
            let atDataCopied = await lines(committed).count
            try await waitUntil("the writer commits rows during the backup") { await lines(committed).count >= atDataCopied + 25 }
            try await Files.write("", to: "\(work)/stop")
            let writerResult = await writer.wait()
            #expect(writerResult.status == 0, "\(writerResult)")

            // A row that never commits: its db2 process dies before the commit point.
            let ghost = try await source.simulator(["fault", "add", "--match", "values (-1,", "--at", "before-commit", "--kill"])
            #expect(ghost.status == 0)
            let killed = try await source.db2("insert into rows values (-1, 'ghost', 'never committed')")
            #expect(killed.status != 0 && killed.status != 4, "\(killed)")

            #expect(try await source.simulator(["fault", "clear"]).status == 0)
            let backupResult = await backup.wait()
            #expect(backupResult.status == 0, "\(backupResult)")
            #expect(backupResult.output.hasPrefix("\nBackup successful. The timestamp for this backup image is : "))
            // After the backup: not in the image, not rolled forward to.
            try await source.succeed("db2 connect to sample && db2 \"insert into rows values (999999, 'after', 'after the backup')\"")

            let expected = Set(await lines(committed).compactMap(Int.init))
            #expect(expected.count >= atDataCopied + 25)
            let image = try #require(try await Files.list(backupDirectory).first)
            #expect(try await source.run(["db2ckbkp", "\(backupDirectory)/\(image)"]).status == 0)

            try await InstanceHome.with { target in
                try await target.start()
                let logs = try await target.path("ArchiveLogs")
                // Trove's RESTORE_ONLINE_DB and ROLL_FORWARD_DB, as its shell passes them.
                let restore = try await target.shell(
                    "db2 RESTORE DATABASE sample FROM \(backupDirectory) LOGTARGET \(logs)")
                #expect(restore.output == "DB20000I  The RESTORE DATABASE command completed successfully.\n")
                #expect(try await target.db2("connect to sample").output.hasPrefix("SQL1117N"))
                let rollforward = try await target.shell(
                    "db2 ROLLFORWARD DATABASE sample TO END OF BACKUP AND COMPLETE OVERFLOW LOG PATH '(\(logs))'")
                #expect(rollforward.status == 0, "\(rollforward)")
                #expect(rollforward.output.contains(" Input database alias                   = sample\n"))
                #expect(rollforward.output.contains(" Rollforward status                     = not pending\n"))
                #expect(rollforward.output.contains(" Log files processed                    = S"))
                #expect(rollforward.output.hasSuffix("DB20000I  The ROLLFORWARD command completed successfully.\n"))

                let restored = try await target.shell(
                    "db2 connect to sample > /dev/null && db2 -x \"select id from rows where writer = 'writer'\"")
                let ids = Set(restored.output.nonEmptyLines.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
                #expect(ids == expected, "missing \(expected.subtracting(ids).sorted()), extra \(ids.subtracting(expected).sorted())")
                let others = try await target.shell(
                    "db2 connect to sample > /dev/null && db2 -x \"select count(*) from rows where writer = 'base'\" && db2 -x \"select count(*) from rows where id < 0 or id = 999999\"")
                #expect(others.output == "       4000\n          0\n")
                #expect(try await target.db2("get db cfg for sample").output.contains("(LOGARCHMETH1) = DISK:\(archive)/\n"))
                // The restored database takes writes and backups of its own.
                try await target.succeed("db2 connect to sample && db2 \"insert into rows values (5, 'new', 'x')\" && db2 terminate && db2 backup database sample online to /dev/null")
            }
        }
    }

    /// IBM support (https://ibm.com/support/pages/node/1074606): after restoring an online image, rollforward is
    /// mandatory and needs the logs the image carries, also for a database nobody wrote to during the backup. Without
    /// the extracted logs (no LOGTARGET, no OVERFLOW LOG PATH, the source's archive gone) it fails with SQL1273N.
    @Test func anIdleOnlineImageNeedsItsLogsToRollForward() async throws {
        let images = try await BlockingThreadPool.shared.run { try makeTemporaryDirectory(prefix: "db2sim-images") }
        defer { try? FileManager.default.removeItem(at: images) }
        try await InstanceHome.with { source in
            try await source.start()
            let archive = try await source.path("ArchiveLogs")
            try await source.succeed(
                "db2 create database sample && db2 update db cfg for sample using LOGARCHMETH1 DISK:\(archive) && db2 backup database sample to /dev/null && db2 backup database sample online to \(images.path)")
        }
        try await InstanceHome.with { target in
            try await target.start()
            let logs = try await target.path("RestoreLogs")
            try await target.succeed("db2 RESTORE DATABASE sample FROM \(images.path) REPLACE EXISTING")
            for stop in ["END OF BACKUP", "END OF LOGS"] {
                let lost = try await target.shell("db2 ROLLFORWARD DATABASE sample TO \(stop) AND COMPLETE; echo rc=$?")
                #expect(lost.output.hasPrefix("SQL1273N  An operation reading the logs on database \"SAMPLE\" cannot continue"), "\(lost)")
                #expect(lost.output.hasSuffix("rc=4\n"))
            }
            try await target.succeed("db2 RESTORE DATABASE sample FROM \(images.path) LOGTARGET \(logs) REPLACE EXISTING; test $? -eq 2")
            #expect(try await Files.list(logs).contains { $0.hasSuffix(".LOG") })
            let withoutOverflow = try await target.shell("db2 ROLLFORWARD DATABASE sample TO END OF BACKUP AND COMPLETE")
            #expect(withoutOverflow.output.hasPrefix("SQL1273N"), "\(withoutOverflow)")
            let rollforward = try await target.shell(
                "db2 ROLLFORWARD DATABASE sample TO END OF BACKUP AND COMPLETE OVERFLOW LOG PATH '(\(logs))'")
            #expect(rollforward.status == 0, "\(rollforward)")
            #expect(rollforward.output.contains(" Log files processed                    = S"))
            try await target.succeed("db2 connect to sample")
        }
    }

    @Test func forcingApplicationsInterruptsAnOnlineBackup() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            let archive = try await home.path("ArchiveLogs")
            let directory = try await home.path("backup")
            try await home.succeed(
                "db2 create database sample && db2 update db cfg for sample using LOGARCHMETH1 DISK:\(archive) && db2 backup database sample to /dev/null")
            #expect(try await home.simulator(["fault", "add", "--match", "backup database", "--at", "after-data", "--hang", "300"]).status == 0)
            let backup = try home.spawnShell("db2 backup database sample online to \(directory)")
            try await waitUntil("the backup has copied the data") {
                try await home.simulator(["fault", "list"]).output.contains("fired=1")
            }
            #expect(try await home.db2("force application all").status == 0)
            #expect(try await home.simulator(["fault", "clear"]).status == 0)
            let result = await backup.wait()
            #expect(result.status == 4)
            #expect(result.output.hasPrefix("SQL1224N"))
            #expect(try await Files.list(directory).isEmpty)
            #expect(try await home.db2("backup database sample online to \(directory)").status == 0)
        }
    }

    @Test func rollforwardToTheEndOfLogsOrToAPointInTime() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            let archive = try await home.path("ArchiveLogs")
            let backupDirectory = try await home.path("backup")
            try await home.succeed(
                """
                db2 create database sample
                db2 update db cfg for sample using LOGARCHMETH1 DISK:\(archive) LOGFILSIZ 4
                db2 backup database sample to /dev/null
                db2 connect to sample
                db2 "create table t (id int, filler varchar(200))"
                db2 terminate
                db2 backup database sample online to \(backupDirectory)
                """)
            let filler = String(repeating: "f", count: 200)
            // Enough rows to fill several 16 KB log files, some archived.
            let first = (1...100).map { "(\($0), '\(filler)')" }.joined(separator: ", ")
            try await home.succeed("db2 connect to sample && db2 \"insert into t values \(first)\"")
            let middle = DB2Clock.localTimestamp()
            let second = (101...200).map { "(\($0), '\(filler)')" }.joined(separator: ", ")
            try await home.succeed("db2 connect to sample && db2 \"insert into t values \(second)\" && db2 terminate")
            let archived = try await Files.list("\(archive)/\(home.instance)/SAMPLE/NODE0000/LOGSTREAM0000/C0000000")
            #expect(archived.count >= 2, "\(archived)")

            // End of logs: both, read back from the archive and the active log files.
            try await home.succeed("db2 restore database sample from \(backupDirectory) replace existing; test $? -eq 2")
            let steps = try await home.db2("rollforward database sample to end of logs")
            #expect(steps.output.contains(" Rollforward status                     = DB  working\n"))
            let pending = try await home.db2("connect to sample")
            #expect(pending.output.hasPrefix("SQL1117N"))
            let complete = try await home.db2("rollforward database sample complete")
            #expect(complete.status == 0, "\(complete)")
            let all = try await home.shell("db2 connect to sample > /dev/null && db2 -x \"select count(*) from t\"")
            #expect(all.output == "        200\n")

            // Point in time: only the first insert.
            try await home.succeed("db2 terminate && db2 restore database sample from \(backupDirectory) replace existing; test $? -eq 2")
            let early = try await home.db2("rollforward database sample to 2000-01-01-00.00.00 using local time and complete")
            #expect(early.status == 4)
            #expect(early.output.hasPrefix("SQL1275N  The stoptime passed to roll-forward must be greater than or equal to"))
            let pointInTime = try await home.db2("rollforward database sample to \(middle) using local time and complete")
            #expect(pointInTime.status == 0, "\(pointInTime)")
            #expect(pointInTime.output.contains(" Last committed transaction             = "))
            #expect(pointInTime.output.contains(" Local\n"))
            let counted = try await home.shell("db2 connect to sample > /dev/null && db2 -x \"select count(*) from t\"")
            #expect(counted.output == "        100\n")
        }
    }
}

/// The clock the stand-in stamps commits with, in DB2's time stamp format, to the microsecond.
enum DB2Clock {
    static func localTimestamp() -> String { timestamp(in: .current) }

    /// UTC, the default time zone of ROLLFORWARD ... TO isotime.
    static func utcTimestamp() -> String { timestamp(in: TimeZone(identifier: "UTC") ?? .gmt) }

    private static func timestamp(in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd-HH.mm.ss.SSSSSS"
        return formatter.string(from: Date())
    }
}
