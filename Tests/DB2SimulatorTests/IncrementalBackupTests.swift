import Foundation
import Testing
import TestSupport

/// INCREMENTAL and DELTA backups, TRACKMOD, the recovery history (SYSIBMADM.DB_HISTORY) and Db2's manual incremental
/// restore.
@Suite(.needsServices) struct IncrementalBackupTests {
    /// A started instance with database SAMPLE, archive logging to `archive` (BACKUP PENDING cleared by a backup to
    /// /dev/null, as Trove does it) and table T.
    private func prepare(_ home: InstanceHome, archive: String) async throws {
        try await home.start()
        try await home.succeed(
            """
            db2 create database sample
            db2 update db cfg for sample using LOGARCHMETH1 DISK:\(archive) LOGFILSIZ 4
            db2 backup database sample to /dev/null
            db2 connect to sample
            db2 "create table t (id int not null, payload varchar(200))"
            """)
    }

    /// Inserts rows `ids` into T (200-byte payloads), in statements of 500 rows.
    private func insert(_ home: InstanceHome, _ ids: ClosedRange<Int>) async throws {
        var script = "connect to sample;\n"
        for start in stride(from: ids.lowerBound, through: ids.upperBound, by: 500) {
            let values = (start...min(start + 499, ids.upperBound)).map { "(\($0), '\(String(repeating: "p", count: 190))')" }
            script += "insert into t values \(values.joined(separator: ", "));\n"
        }
        let file = "\(try await home.path("scripts"))/insert-\(ids.lowerBound).clp"
        try await Files.write(script, to: file)
        // Through a shell: the connection ends with it (a connection belongs to the db2 command's parent).
        let result = try await home.shell("db2 -tsf \(file)")
        guard result.status == 0 else { throw HarnessError("inserting failed: \(result)") }
    }

    /// Runs `command` (a BACKUP) and returns the image timestamp it printed.
    private func backup(_ home: InstanceHome, _ command: String) async throws -> String {
        let result = try await home.db2(command)
        let prefix = "\nBackup successful. The timestamp for this backup image is : "
        guard result.status == 0, result.output.hasPrefix(prefix) else { throw HarnessError("\(command): \(result)") }
        let timestamp = String(result.output.dropFirst(prefix.count).prefix(14))
        #expect(result.output == "\(prefix)\(timestamp)\n\n")
        return timestamp
    }

    private func image(_ home: InstanceHome, _ timestamp: String) -> String {
        "SAMPLE.0.\(home.instance).DBPART000.\(timestamp).001"
    }

    private func ids(_ home: InstanceHome, database: String) async throws -> [Int] {
        let result = try await home.shell("db2 connect to \(database) > /dev/null && db2 -x \"select id from t order by id\"")
        // 1: no rows (SQL0100W).
        guard result.status == 0 || result.status == 1 else { throw HarnessError("reading \(database) failed: \(result)") }
        return result.output.nonEmptyLines.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    private let completed = "DB20000I  The RESTORE DATABASE command completed successfully.\n"

    /// Restores the images `steps` (directory, timestamp), the first being the target, as
    /// `RESTORE DATABASE SAMPLE INCREMENTAL FROM dir TAKEN AT ts INTO database`, the target again with LOGTARGET,
    /// then rolls forward to the end of the backup; each step must print DB20000I alone.
    private func restoreChain(
        _ home: InstanceHome, into database: String, _ steps: [(directory: String, timestamp: String)]
    ) async throws {
        let logTarget = try await home.path("logs-\(database)")
        guard let target = steps.first else { return }
        for (index, step) in (steps + [target]).enumerated() {
            let last = index == steps.count
            let command =
                "restore database sample incremental from \(step.directory) taken at \(step.timestamp) into \(database)"
                + (last ? " logtarget \(logTarget)" : "") + " without prompting"
            let result = try await home.db2(command)
            #expect(result.status == 0 && result.output == completed, "\(command): \(result)")
            if !last {
                let refused = try await home.db2("connect to \(database)")
                #expect(refused.output.hasPrefix("SQL1119N  A connection to or activation of database \"\(database)\""))
            }
        }
        let rollforward = try await home.db2(
            "rollforward database \(database) to end of backup and complete overflow log path (\(logTarget))")
        #expect(rollforward.status == 0, "\(rollforward)")
        #expect(rollforward.output.contains(" Rollforward status                     = not pending\n"))
    }

    @Test func trackmodIsOnByDefaultAndItsChangesWaitForTheNextActivation() async throws {
        try await InstanceHome.with { home in
            let archive = try await home.path("archive")
            let directory = try await home.path("backup")
            try await prepare(home, archive: archive)
            let cfg = try await home.db2("get db cfg for sample")
            #expect(cfg.output.contains("\n Track modified pages                         (TRACKMOD) = YES\n"))

            // Turned off while the database is active: SQL1363W, and it stays on until the next activation.
            let off = try await home.shell("db2 connect to sample > /dev/null && db2 update db cfg for sample using TRACKMOD NO")
            #expect(off.status == 2)
            #expect(off.output.hasPrefix("SQL1363W  One or more of the parameters submitted for immediate modification"))
            #expect(try await home.db2("get db cfg for sample").output.contains("(TRACKMOD) = NO\n"))
            try await home.succeed("db2 terminate; db2 \"connect to sample\"; db2 terminate")
            let refused = try await home.db2("backup database sample online incremental to \(directory)")
            #expect(refused.status == 4)
            #expect(
                refused.output
                    == "SQL2426N  The database has not been configured to allow the incremental backup\noperation. Reason code = \"1\".\n")

            // Turned on again: no incremental before a full backup.
            let on = try await home.db2("update db cfg for sample using TRACKMOD YES")
            #expect(on.output == "DB20000I  The UPDATE DATABASE CONFIGURATION command completed successfully.\n")
            let noBase = try await home.db2("backup database sample online incremental delta to \(directory)")
            #expect(noBase.output.hasSuffix("Reason code = \"2\".\n"), "\(noBase)")
            _ = try await backup(home, "backup database sample online to \(directory)")
            _ = try await backup(home, "backup database sample online incremental delta to \(directory)")
            #expect(try await Files.list(directory).count == 2)
        }
    }

    @Test func anIncrementalAfterAFewChangedRowsOfALargeTableIsMuchSmallerThanTheFull() async throws {
        try await InstanceHome.with { home in
            let archive = try await home.path("archive")
            try await prepare(home, archive: archive)
            try await insert(home, 1...5000)
            let full = try await home.path("full")
            let incremental = try await home.path("incremental")
            try await home.succeed("db2 terminate")
            let fullTimestamp = try await backup(home, "backup database sample to \(full)")
            try await insert(home, 5001...5005)
            try await home.succeed("db2 terminate")
            let incrementalTimestamp = try await backup(home, "backup database sample incremental to \(incremental)")
            let fullSize = try #require(try await Files.size("\(full)/\(image(home, fullTimestamp))"))
            let incrementalSize = try #require(try await Files.size("\(incremental)/\(image(home, incrementalTimestamp))"))
            #expect(fullSize > 1_000_000)
            #expect(incrementalSize * 10 < fullSize, "full \(fullSize) bytes, incremental \(incrementalSize) bytes")
        }
    }

    @Test func aFullDeltaDeltaIncrementalDeltaChainRestoresEachPointExactly() async throws {
        try await InstanceHome.with { source in
            let archive = try await source.path("archive")
            try await prepare(source, archive: archive)
            var chain: [String: (directory: String, timestamp: String)] = [:]
            var expected: [String: [Int]] = [:]
            func take(_ name: String, _ options: String) async throws {
                let directory = try await source.path(name)
                chain[name] = (directory, try await backup(source, "backup database sample online \(options) to \(directory)"))
                expected[name] = try await ids(source, database: "sample")
            }
            try await insert(source, 1...100)
            try await take("full", "")
            try await insert(source, 101...110)
            try await take("delta1", "incremental delta")
            try await insert(source, 111...120)
            try await source.succeed("db2 connect to sample; db2 \"delete from t where id <= 5\"")
            try await take("delta2", "incremental delta")
            try await insert(source, 121...130)
            try await take("cumulative", "incremental")
            try await insert(source, 131...140)
            try await take("delta3", "incremental delta")
            try await insert(source, 141...150)
            #expect(expected["delta3"] == Array(6...140))

            // Db2's own record of them, as the agent reads it.
            let history = try await source.shell(
                "db2 connect to sample > /dev/null && db2 -x \"select start_time, operationtype, devicetype, location from sysibmadm.db_history where operation = 'B' order by start_time\"")
            let rows = history.output.nonEmptyLines.map { $0.split(separator: " ").joined(separator: " ") }
            let shown = ["full": "N", "delta1": "E", "delta2": "E", "cumulative": "O", "delta3": "E"].map { name, type in
                "\(chain[name]!.timestamp) \(type) D \(chain[name]!.directory)"
            }
            #expect(rows.count == 6, "\(history)")
            #expect(rows.first?.hasSuffix(" F D /dev/null") == true, "\(history)")
            #expect(Array(rows.dropFirst()) == shown.sorted())

            // Each point restored in Db2's order into another instance: target, full, the links, target.
            try await InstanceHome.with { fresh in
                try await fresh.start()
                let orders: [(String, [String])] = [
                    ("delta1", ["full"]), ("delta2", ["full", "delta1"]), ("cumulative", ["full"]),
                    ("delta3", ["full", "cumulative"]),
                ]
                for (index, (target, links)) in orders.enumerated() {
                    let database = "R\(index)"
                    try await restoreChain(fresh, into: database, [chain[target]!] + links.map { chain[$0]! })
                    #expect(try await ids(fresh, database: database) == expected[target], "\(target)")
                }
            }

            // And into the same instance after dropping the database; its history comes from the target image.
            try await source.succeed("db2 terminate; db2 drop database sample")
            try await restoreChain(source, into: "SAMPLE", [chain["delta2"]!, chain["full"]!, chain["delta1"]!])
            #expect(try await ids(source, database: "sample") == expected["delta2"])
            let restoredHistory = try await source.shell(
                "db2 connect to sample > /dev/null && db2 -x \"select start_time from sysibmadm.db_history where operation = 'B' order by start_time\"")
            #expect(
                restoredHistory.output.nonEmptyLines.map { $0.trimmingCharacters(in: .whitespaces) }.dropFirst()
                    == ["full", "delta1", "delta2"].map { chain[$0]!.timestamp }[...])
        }
    }

    @Test func aDeltaAfterABackupToDevNullIsBasedOnIt() async throws {
        try await InstanceHome.with { home in
            let archive = try await home.path("archive")
            try await prepare(home, archive: archive)
            let full = try await home.path("full")
            let delta = try await home.path("delta")
            try await insert(home, 1...10)
            let fullTimestamp = try await backup(home, "backup database sample online to \(full)")
            try await insert(home, 11...20)
            try await home.succeed("db2 terminate")
            let outOfBand = try await backup(home, "backup database sample to /dev/null")
            let deltaTimestamp = try await backup(home, "backup database sample online incremental delta to \(delta)")
            let header = try await home.run(["db2ckbkp", "-h", "\(delta)/\(image(home, deltaTimestamp))"])
            #expect(header.output.contains("    Backup Granularity             -- 48 (Delta)\n"))

            // The full image is not the delta's base: the image that went to /dev/null is.
            try await home.succeed(
                "db2 restore database sample incremental from \(delta) taken at \(deltaTimestamp) into other")
            try await home.succeed(
                "db2 restore database sample incremental from \(full) taken at \(fullTimestamp) into other")
            let refused = try await home.db2(
                "restore database sample incremental from \(delta) taken at \(deltaTimestamp) into other")
            #expect(refused.status == 4)
            #expect(
                refused.output.unwrapped
                    == "SQL2572N  Attempted an incremental restore of an out of order image. The restore of table space \"SYSCATSPACE\" encountered an error because the backup image with timestamp \"\(outOfBand)\" must be restored before the image that was just attempted. ")
        }
    }

    @Test func imagesOutOfOrderOrWithoutIncrementalAreRefusedWithDb2sErrors() async throws {
        try await InstanceHome.with { home in
            let archive = try await home.path("archive")
            try await prepare(home, archive: archive)
            let directory = try await home.path("images")
            let full = try await backup(home, "backup database sample online to \(directory)")
            try await insert(home, 1...10)
            let delta1 = try await backup(home, "backup database sample online incremental delta to \(directory)")
            try await insert(home, 11...20)
            let delta2 = try await backup(home, "backup database sample online incremental delta to \(directory)")
            try await insert(home, 21...30)
            let delta3 = try await backup(home, "backup database sample online incremental delta to \(directory)")
            func restore(_ timestamp: String, incremental: Bool = true) async throws -> ProcessResult {
                try await home.db2(
                    "restore database sample \(incremental ? "incremental " : "")from \(directory) taken at \(timestamp) into copy")
            }

            let plain = try await restore(delta2, incremental: false)
            #expect(plain.status == 4)
            #expect(plain.output.unwrapped == "SQL2573N  An incremental backup image must be restored as part of an incremental restore operation. ")

            #expect(try await restore(delta2).output == completed)
            let withoutFull = try await restore(delta1)
            #expect(withoutFull.output.unwrapped.contains("the backup image with timestamp \"\(full)\" must be restored before"))
            let newer = try await restore(delta3)
            #expect(newer.status == 4)
            #expect(newer.output.unwrapped == "SQL2574N  A backup image being restored as part of an incremental restore operation cannot be newer than the target image. ")
            let notIncremental = try await restore(full, incremental: false)
            #expect(notIncremental.output.hasPrefix("SQL2576N  Table space \"SYSCATSPACE\" is being restored as part of an\nincremental RESTORE operation"))
            #expect(try await restore(full).output == completed)
            // The missing link: delta2 needs delta1 first.
            let skipped = try await restore(delta2)
            #expect(skipped.output.unwrapped.contains("the backup image with timestamp \"\(delta1)\" must be restored before"))
            #expect(try await restore(delta1).output == completed)
            let again = try await restore(delta1)
            #expect(again.output.hasPrefix("SQL2572N"))

            // Abandoned: still unusable until a restore completes.
            #expect(try await home.db2("restore database copy incremental abort").output == completed)
            #expect(try await home.db2("connect to copy").output.hasPrefix("SQL1119N"))
            #expect(try await home.db2("get db cfg for copy").output.contains(" Restore pending                                         = YES\n"))
            let fresh = try await home.db2("restore database sample from \(directory) taken at \(full) into copy without prompting")
            #expect(fresh.status == 2 || fresh.status == 0, "\(fresh)")
            #expect(try await home.db2("rollforward database copy to end of backup and complete").status == 0)
            #expect(try await ids(home, database: "copy") == [])
        }
    }

    @Test func db2ckbkpVerifiesADeltaImageAndFindsAChangedByte() async throws {
        try await InstanceHome.with { home in
            let archive = try await home.path("archive")
            try await prepare(home, archive: archive)
            let directory = try await home.path("images")
            try await insert(home, 1...1000)
            _ = try await backup(home, "backup database sample online to \(directory)")
            try await insert(home, 1001...1200)
            let delta = "\(directory)/\(image(home, try await backup(home, "backup database sample online incremental delta to \(directory)")))"
            let good = try await home.run(["db2ckbkp", delta])
            #expect(good.status == 0)
            #expect(good.output.hasSuffix("Image Verification Complete - successful.\n"))

            var bytes = try await Files.data(delta)
            bytes[bytes.count / 3] ^= 0x10
            try await Files.write(bytes, to: delta)
            let bad = try await home.run(["db2ckbkp", delta])
            #expect(bad.status != 0)
            #expect(bad.output.contains("Image Verification Complete - ERRORS DETECTED"))
        }
    }
}
