import AgentSupport
import Foundation
import Testing
import TestSupport

/// Point-in-time recovery as the agent will drive it: ARCHIVE LOG closes the current log file, the archived files are
/// copied (flat) into an OVERFLOW LOG PATH of a fresh instance, and ROLLFORWARD ... TO <isotime> brings back exactly
/// the transactions committed at or before that time. Times are read from the clock the stand-in stamps commits with
/// (the machine's), in UTC, between one commit and the next.
@Suite(.needsServices) struct PointInTimeRecoveryTests {
    /// One committed group of 30 rows of about 200 bytes (several groups fill a 16 KB log file).
    private func commitGroup(_ home: InstanceHome, _ group: Int) async throws {
        let filler = String(repeating: "p", count: 200)
        let values = (1...30).map { "(\(group), \(group * 100 + $0), '\(filler)')" }.joined(separator: ", ")
        try await home.succeed("db2 connect to sample > /dev/null && db2 \"insert into t values \(values)\"")
    }

    private func archived(_ directory: String) async throws -> [String] {
        try await Files.list(directory).filter { LogName.number($0) != nil }.sorted()
    }

    /// `select max(grp), count(*) from t` on the restored database.
    private func groups(_ home: InstanceHome) async throws -> [Int] {
        let result = try await home.shell("db2 connect to sample > /dev/null && db2 -x \"select max(grp), count(*) from t\"")
        return result.output.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
    }

    private func restore(_ home: InstanceHome, from images: String) async throws {
        try await home.succeed("db2 restore database sample from \(images) replace existing; test $? -le 2")
    }

    @Test func rollforwardToATimeBringsBackExactlyWhatWasCommittedByThen() async throws {
        let work = try await BlockingThreadPool.shared.run { try makeTemporaryDirectory(prefix: "db2sim-pitr") }
        defer { try? FileManager.default.removeItem(at: work) }
        let images = work.appendingPathComponent("images").path
        let shipped = work.appendingPathComponent("shipped").path
        try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: shipped, withIntermediateDirectories: true)

        try await InstanceHome.with { source in
            try await source.start()
            let archive = try await source.path("ArchiveLogs")
            let chain0 = "\(archive)/\(source.instance)/SAMPLE/NODE0000/LOGSTREAM0000/C0000000"
            try await source.succeed(
                """
                db2 create database sample
                db2 update db cfg for sample using LOGARCHMETH1 DISK:\(archive) LOGFILSIZ 4
                db2 backup database sample to /dev/null
                db2 connect to sample
                db2 "create table t (grp int, id int, filler varchar(200))"
                """)
            // After[g]: a UTC time after group g committed and before group g + 1 started.
            var after: [Int: String] = [:]
            for group in 1...2 {
                try await commitGroup(source, group)
                after[group] = DB2Clock.utcTimestamp()
            }
            let backup = try await source.shell("db2 backup database sample online to \(images)")
            #expect(backup.status == 0, "\(backup)")
            for group in 3...4 {
                try await commitGroup(source, group)
                after[group] = DB2Clock.utcTimestamp()
            }

            // ARCHIVE LOG from a back-end connected to the database is refused; the connection stays usable.
            let connected = try await source.shell("db2 connect to sample > /dev/null && db2 archive log for db sample; echo rc=$?")
            #expect(connected.output == "SQL1493N  The application is already connected to an active database.\nrc=4\n")

            // Without a connection it closes the current log file, which lands in the archive at once.
            var before = try await archived(chain0)
            let archiveLog = try await source.shell("db2 archive log for database sample; echo rc=$?")
            #expect(archiveLog.output == "DB20000I  The ARCHIVE LOG command completed successfully.\nrc=0\n")
            var now = try await archived(chain0)
            #expect(now.count == before.count + 1, "\(before) -> \(now)")
            #expect(try await Files.list(chain0).allSatisfy { LogName.number($0) != nil }, "only complete files")

            try await commitGroup(source, 5)
            after[5] = DB2Clock.utcTimestamp()
            before = now
            try await source.succeed("db2 archive log for db sample")
            now = try await archived(chain0)
            #expect(now.count == before.count + 1, "\(before) -> \(now)")
            // Nothing written since: the current log file is empty, nothing more is archived.
            try await source.succeed("db2 archive log for db sample")
            #expect(try await archived(chain0) == now)

            for group in 6...7 {
                try await commitGroup(source, group)
                after[group] = DB2Clock.utcTimestamp()
            }
            try await source.succeed("db2 archive log for db sample")
            let all = try await archived(chain0)
            #expect(all.count >= 5, "\(all)")

            // The logs are shipped (flat, as the agent will unpack them), and the source's archive is gone, so that
            // only OVERFLOW LOG PATH can provide them.
            try await source.succeed("cp \(chain0)/S*.LOG \(shipped)/ && rm -r \(archive)/\(source.instance)")
            let gap = all[all.count - 2]
            let withGap = work.appendingPathComponent("gap").path
            try await source.succeed("cp -r \(shipped) \(withGap) && rm \(withGap)/\(gap)")

            try await InstanceHome.with { target in
                try await target.start()

                // Before the end of the online backup: refused, nothing replayed.
                try await restore(target, from: images)
                let early = try await target.shell(
                    "db2 rollforward database sample to \(after[2]!) using utc time and stop overflow log path '(\(shipped))'; echo rc=$?")
                #expect(unwrapped(early).hasPrefix("SQL1275N  The stoptime passed to roll-forward must be greater than or equal to \""), "\(early)")
                #expect(early.output.hasSuffix("rc=4\n"))

                // Each target: exactly the groups committed at or before it (USING UTC TIME is the default).
                for (group, clause) in [(3, "using utc time "), (4, ""), (5, "using utc time "), (6, "")] {
                    try await restore(target, from: images)
                    let rollforward = try await target.shell(
                        "db2 rollforward database sample to \(after[group]!) \(clause)and stop overflow log path '(\(shipped))'")
                    #expect(rollforward.status == 0, "\(group): \(rollforward)")
                    #expect(rollforward.output.contains(" Rollforward status                     = not pending\n"))
                    #expect(rollforward.output.contains(" UTC\n"))
                    #expect(try await groups(target) == [group, group * 30], "target after group \(group)")
                }

                // The same moment in local time.
                let localTarget = try #require(localTime(ofUTC: after[4]!))
                try await restore(target, from: images)
                try await target.succeed(
                    "db2 rollforward database sample to \(localTarget) using local time and stop overflow log path '(\(shipped))'")
                #expect(try await groups(target) == [4, 120])

                // After the last commit the logs hold: Db2 cannot tell it got there (no later transaction), SQL4970N;
                // the database stays rollforward pending with every group replayed, and STOP ends it there.
                try await restore(target, from: images)
                let late = try await target.shell(
                    "db2 rollforward database sample to \(after[7]!) and stop overflow log path '(\(shipped))'; echo rc=$?")
                let next = LogName.name((LogName.number(all.last!) ?? 0) + 1)
                #expect(
                    unwrapped(late).hasPrefix(
                        "SQL4970N  Roll-forward recovery on database \"SAMPLE\" cannot reach the specified stop point (end-of-log or point-in-time) on database partition(s) \"0\". Roll-forward recovery processing has halted on log file \"\(next)\"."),
                    "\(late)")
                #expect(late.output.hasSuffix("rc=4\n"), "\(late)")
                let status = try await target.db2("rollforward database sample query status")
                #expect(status.output.contains(" Rollforward status                     = DB  working\n"), "\(status)")
                #expect(status.output.contains(" Next log file to be read               = \(next)\n"), "\(status)")
                #expect(try await target.db2("connect to sample").output.hasPrefix("SQL1117N"))
                try await target.succeed("db2 rollforward database sample stop overflow log path '(\(shipped))'")
                #expect(try await groups(target) == [7, 210])

                // TO END OF LOGS AND STOP with every shipped log: everything.
                try await restore(target, from: images)
                let endOfLogs = try await target.shell(
                    "db2 rollforward database sample to end of logs and stop overflow log path '(\(shipped))'")
                #expect(endOfLogs.status == 0, "\(endOfLogs)")
                #expect(endOfLogs.output.contains(" Log files processed                    = S"))
                #expect(try await groups(target) == [7, 210])

                // A missing middle file: a time before it still works, the end of the logs names it.
                try await restore(target, from: images)
                let missing = try await target.shell(
                    "db2 rollforward database sample to end of logs and stop overflow log path '(\(withGap))'; echo rc=$?")
                #expect(
                    unwrapped(missing).hasPrefix(
                        "SQL1273N  An operation reading the logs on database \"SAMPLE\" cannot continue because of a missing log file \"\(gap)\""),
                    "\(missing)")
                #expect(missing.output.hasSuffix("rc=4\n"))
                try await restore(target, from: images)
                try await target.succeed(
                    "db2 rollforward database sample to \(after[3]!) and stop overflow log path '(\(withGap))'")
                #expect(try await groups(target) == [3, 90])

                // After the restore the database writes a new log chain: its archived files go to C0000001.
                let targetArchive = try await target.path("ArchiveLogs")
                try await target.succeed(
                    "db2 update db cfg for sample using LOGARCHMETH1 DISK:\(targetArchive) && db2 connect to sample && db2 \"insert into t values (8, 801, 'new chain')\" && db2 terminate && db2 archive log for db sample")
                let stream = "\(targetArchive)/\(target.instance)/SAMPLE/NODE0000/LOGSTREAM0000"
                #expect(try await Files.list(stream) == ["C0000001"])
                let newChain = try await archived("\(stream)/C0000001")
                let foreign = try #require(newChain.first)

                // A file of that new chain in OVERFLOW LOG PATH, under a name the original chain needs: refused.
                let mixed = work.appendingPathComponent("mixed").path
                let older = all.filter { (LogName.number($0) ?? .max) < (LogName.number(foreign) ?? 0) }
                #expect(!older.isEmpty)
                try await target.succeed(
                    "mkdir \(mixed) && for f in \(older.joined(separator: " ")); do cp \(shipped)/$f \(mixed)/; done && cp \(stream)/C0000001/\(foreign) \(mixed)/")
                try await restore(target, from: images)
                let otherChain = try await target.shell(
                    "db2 rollforward database sample to end of logs and stop overflow log path '(\(mixed))'; echo rc=$?")
                #expect(
                    unwrapped(otherChain).hasPrefix(
                        "SQL1265N  The archive log file \"\(foreign)\" is not associated with the current log sequence for database \"SAMPLE\""),
                    "\(otherChain)")
                #expect(otherChain.output.hasSuffix("rc=4\n"))
            }
        }
    }

    /// The output with the CLP's line wrapping undone (it breaks lines at blanks).
    private func unwrapped(_ result: ProcessResult) -> String {
        result.output.replacingOccurrences(of: "\n", with: " ")
    }

    /// A UTC time stamp `yyyy-mm-dd-hh.mm.ss.nnnnnn` as the same instant in local time.
    private func localTime(ofUTC timestamp: String) -> String? {
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.timeZone = TimeZone(identifier: "UTC")
        parser.dateFormat = "yyyy-MM-dd-HH.mm.ss"
        guard let date = parser.date(from: String(timestamp.prefix(19))) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = "yyyy-MM-dd-HH.mm.ss"
        return formatter.string(from: date) + timestamp.dropFirst(19)
    }
}

/// Log file names as Db2 writes them: `S0000012.LOG`.
private enum LogName {
    static func number(_ name: String) -> Int? {
        guard name.count == 12, name.hasPrefix("S"), name.hasSuffix(".LOG") else { return nil }
        return Int(name.dropFirst().prefix(7))
    }

    static func name(_ number: Int) -> String {
        let digits = String(number)
        return "S" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits + ".LOG"
    }
}
