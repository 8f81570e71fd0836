import Foundation
import Testing
import TestSupport

/// BACKUP, RESTORE, ROLLFORWARD and db2ckbkp on offline and online images.
@Suite(.needsServices) struct BackupRestoreTests {
    /// A started instance with database SAMPLE holding table T with rows 1...3; with `archive`, LOGARCHMETH1 is
    /// `DISK:<archive>` (and BACKUP PENDING cleared the way Trove clears it).
    private func prepare(_ home: InstanceHome, archive: String? = nil) async throws {
        try await home.start()
        try await home.succeed("db2 create database sample")
        if let archive {
            try await home.succeed(
                "db2 update db cfg for sample using LOGARCHMETH1 DISK:\(archive) && db2 backup database sample to /dev/null")
        }
        try await home.succeed(
            """
            db2 connect to sample
            db2 "create table t (id int not null, name varchar(20))"
            db2 "insert into t values (1, 'one'), (2, 'two'), (3, 'three')"
            db2 connect reset
            """)
    }

    private func images(in directory: String) async throws -> [String] {
        try await Files.list(directory).filter { $0.hasSuffix(".001") }
    }

    private func rows(_ home: InstanceHome, database: String = "sample", table: String = "t") async throws -> [String] {
        let result = try await home.shell("db2 connect to \(database) > /dev/null && db2 -x \"select id from \(table) order by id\"")
        return result.output.nonEmptyLines.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test func anOfflineBackupNeedsTheDatabaseToItselfAndWritesANamedImage() async throws {
        try await InstanceHome.with { home in
            try await prepare(home)
            let directory = try await home.path("backup")
            let busy = try await home.shell("db2 connect to sample > /dev/null; db2 backup database sample to \(directory)")
            #expect(busy.output == "SQL1035N  The operation failed because the specified database cannot be\nconnected to in the mode requested.  SQLSTATE=57019\n")
            let backup = try await home.db2("backup database sample to \(directory)")
            #expect(backup.status == 0)
            let timestamp = try #require(backup.output.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(backup.output == "\nBackup successful. The timestamp for this backup image is : \(timestamp)\n\n")
            #expect(timestamp.count == 14 && timestamp.allSatisfy(\.isNumber))
            #expect(try await images(in: directory) == ["SAMPLE.0.\(home.instance).DBPART000.\(timestamp).001"])
            // Trove's GET_DB_NAMES.
            let names = try await home.shell("find \(directory)/ -type f -name '*.001' | grep -Po \"(?<=backup/)[^.']*(?=\\.)\"")
            #expect(names.output == "SAMPLE\n")
            let missing = try await home.db2("backup database sample to \(directory)/nosuch")
            #expect(missing.output.unwrapped == "SQL2036N  The path for the file or device \"\(directory)/nosuch\" is not valid. ")
        }
    }

    @Test func db2ckbkpVerifiesAnImageAndFindsAChangedByte() async throws {
        try await InstanceHome.with { home in
            try await prepare(home)
            let directory = try await home.path("backup")
            try await home.succeed("db2 backup database sample to \(directory)")
            let image = "\(directory)/\(try #require(try await images(in: directory).first))"
            let good = try await home.run(["db2ckbkp", image])
            #expect(good.status == 0)
            #expect(good.output == "[1] Buffers processed:    #\nImage Verification Complete - successful.\n")
            let header = try await home.run(["db2ckbkp", "-h", image])
            #expect(header.output.contains("    Server Database Name           -- SAMPLE\n"))
            #expect(header.output.contains("    Backup Mode                    -- 0 (Offline)\n"))

            var bytes = try await Files.data(image)
            bytes[bytes.count / 2] ^= 0x01
            try await Files.write(bytes, to: image)
            let bad = try await home.run(["db2ckbkp", image])
            #expect(bad.status != 0)
            #expect(bad.output.hasSuffix("Image Verification Complete - ERRORS DETECTED:  1\n"))
            let restore = try await home.db2("restore database sample from \(directory) replace existing")
            #expect(restore.status == 4)
            #expect(restore.output.hasSuffix("SQL2530N  The backup image is corrupted. Restore of database from this backup\nimage is not possible.\n"))
            // The restore had started replacing the database: it is RESTORE PENDING until a restore completes.
            let pending = try await home.db2("connect to sample")
            #expect(pending.output.hasPrefix("SQL1119N  A connection to or activation of database \"SAMPLE\" cannot be made"), "\(pending)")
            #expect(try await home.db2("get db cfg for sample").output.contains(" Restore pending                                         = YES\n"))
            bytes[bytes.count / 2] ^= 0x01
            try await Files.write(bytes, to: image)
            let again = try await home.db2("restore database sample from \(directory) replace existing")
            #expect(again.status == 2, "\(again)")
            #expect(try await rows(home) == ["1", "2", "3"])
        }
    }

    @Test func restoreFindsTheImageAndReplacesOrCreatesTheDatabase() async throws {
        try await InstanceHome.with { home in
            try await prepare(home)
            let directory = try await home.path("backup")
            let first = try await home.db2("backup database sample to \(directory)")
            let firstTimestamp = try #require(first.output.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines))
            try await home.succeed("db2 connect to sample && db2 \"insert into t values (4, 'four')\"")
            try await home.succeed("db2 terminate && db2 backup database sample to \(directory)")
            #expect(try await images(in: directory).count == 2)

            let ambiguous = try await home.db2("restore database sample from \(directory) replace existing")
            #expect(ambiguous.output == "SQL2522N  More than one backup file matches the time stamp value provided for\nthe backed up database image.\n")
            let none = try await home.db2("restore database other from \(directory)")
            #expect(none.output == "SQL2542N  No match for a database image file was found based on the source\ndatabase alias \"OTHER\" and timestamp \"\" provided.\n")

            // Over the existing database: DB2 asks first; "n" (or no answer) stops it.
            let refused = try await home.run(
                ["db2", "restore database sample from \(directory) taken at \(firstTimestamp)"], input: "n\n")
            #expect(refused.status == 4)
            #expect(refused.output.unwrapped.contains("SQL2539W  The specified name of the backup image to restore is the same as the name of the target database."))
            #expect(refused.output.hasSuffix("Do you want to continue ? (y/n) SQL2001N  The utility was interrupted.  The output data may be incomplete.\n"))
            #expect(try await rows(home) == ["1", "2", "3", "4"])
            let accepted = try await home.run(
                ["db2", "restore database sample from \(directory) taken at \(firstTimestamp)"], input: "y\n")
            #expect(accepted.status == 0)
            #expect(accepted.output.hasSuffix("(y/n) DB20000I  The RESTORE DATABASE command completed successfully.\n"))
            #expect(try await rows(home) == ["1", "2", "3"])

            let quiet = try await home.db2("restore database sample from \(directory) taken at \(firstTimestamp) without prompting")
            #expect(quiet.status == 2)
            #expect(quiet.output.hasPrefix("SQL2539W"))
            #expect(quiet.output.hasSuffix("DB20000I  The RESTORE DATABASE command completed successfully.\n"))

            // INTO a new name catalogs a new database.
            let copy = try await home.db2("restore database sample from \(directory) taken at \(firstTimestamp) into copy")
            #expect(copy.output == "DB20000I  The RESTORE DATABASE command completed successfully.\n")
            #expect(try await rows(home, database: "copy") == ["1", "2", "3"])
            let busy = try await home.shell("db2 connect to copy > /dev/null; db2 restore database sample from \(directory) taken at \(firstTimestamp) into copy replace existing")
            #expect(busy.output.hasPrefix("SQL1035N"))
        }
    }

    @Test func aRecoverableDatabaseIsRollforwardPendingAfterRestore() async throws {
        try await InstanceHome.with { home in
            let archive = try await home.path("ArchiveLogs")
            try await prepare(home, archive: archive)
            let directory = try await home.path("backup")
            try await home.succeed("db2 backup database sample to \(directory)")
            // Over the existing database: SQL2539W as a warning (rc 2), no prompt.
            let replaced = try await home.db2("restore database sample from \(directory) replace existing")
            #expect(replaced.status == 2)
            #expect(replaced.output.hasPrefix("SQL2539W"))
            #expect(replaced.output.hasSuffix("DB20000I  The RESTORE DATABASE command completed successfully.\n"))
            let pending = try await home.db2("connect to sample")
            #expect(pending.output == "SQL1117N  A connection to or activation of database \"SAMPLE\" cannot be made\nbecause of ROLL-FORWARD PENDING.  SQLSTATE=57019\n")
            #expect(try await home.db2("get db cfg for sample").output.contains(" Rollforward pending                                     = DATABASE\n"))
            let query = try await home.db2("rollforward database sample query status")
            #expect(query.output.contains(" Rollforward status                     = DB  pending\n"))
            let done = try await home.db2("rollforward database sample to end of logs and complete")
            #expect(done.status == 0)
            #expect(done.output.contains(" Rollforward status                     = not pending\n"))
            #expect(done.output.hasSuffix("\nDB20000I  The ROLLFORWARD command completed successfully.\n"))
            #expect(try await rows(home) == ["1", "2", "3"])
            #expect(try await home.db2("get db cfg for sample").output.contains("(LOGARCHMETH1) = DISK:\(archive)/\n"))
            let again = try await home.db2("rollforward database sample to end of logs and complete")
            #expect(again.status == 4)
            #expect(again.output.hasPrefix("SQL1260N"))
            // An offline image of a recoverable database can skip the rollforward.
            try await home.succeed("db2 terminate && db2 restore database sample from \(directory) replace existing without rolling forward; test $? -eq 2")
            #expect(try await rows(home) == ["1", "2", "3"])
        }
    }

    @Test func onlineBackupsNeedArchiveLoggingAndIncludeTheLogs() async throws {
        try await InstanceHome.with { home in
            try await prepare(home)
            let directory = try await home.path("backup")
            let circular = try await home.db2("backup database sample online to \(directory) include logs")
            #expect(circular.status == 4)
            #expect(circular.output.hasPrefix("SQL2413N"))
            let archive = try await home.path("ArchiveLogs")
            try await home.succeed("db2 update db cfg for sample using LOGARCHMETH1 DISK:\(archive) && db2 backup database sample to /dev/null")
            // ONLINE while connected.
            let online = try await home.shell("db2 connect to sample > /dev/null && db2 backup database sample online to \(directory) include logs")
            #expect(online.status == 0, "\(online)")
            let image = "\(directory)/\(try #require(try await images(in: directory).first))"
            let header = try await home.run(["db2ckbkp", "-h", image])
            #expect(header.output.contains("    Backup Mode                    -- 1 (Online)\n"))
            #expect(header.output.contains("    Includes Logs                  -- 1 (Yes)\n"))
        }
    }

    @Test func logtargetExtractsTheLogsAndRefusesToOverwriteOne() async throws {
        try await InstanceHome.with { home in
            let archive = try await home.path("ArchiveLogs")
            try await prepare(home, archive: archive)
            let directory = try await home.path("backup")
            try await home.succeed("db2 backup database sample online to \(directory) include logs")
            let logs = try await home.path("logs")
            let restore = try await home.db2("RESTORE DATABASE sample FROM \(directory) LOGTARGET \(logs) replace existing")
            #expect(restore.output.hasPrefix("SQL2539W"))
            #expect(restore.output.hasSuffix("\nDB20000I  The RESTORE DATABASE command completed successfully.\n"))
            let extracted = try await Files.list(logs)
            #expect(!extracted.isEmpty && extracted.allSatisfy { $0.hasPrefix("S") && $0.hasSuffix(".LOG") })

            // Again into the same directory: the files are there already.
            let collision = try await home.db2(
                "restore database sample from \(directory) logtarget \(logs) replace existing without prompting")
            #expect(collision.status == 4)
            #expect(collision.output.unwrapped.hasPrefix("SQL2580W  Warning! Restoring logs to a path which contains existing log files."))
            #expect(collision.output.unwrapped.contains("SQL2581N  Restore is unable to extract log files or restore a log directory from the backup image to the specified path.  Reason code \"3\"."))
            let asked = try await home.db2("restore database sample from \(directory) logtarget \(logs) replace existing")
            #expect(asked.output.hasSuffix("Do you want to continue ? (y/n) \nSQL2001N  The utility was interrupted.  The output data may be incomplete.\n"))

            // The failed restore left the database RESTORE PENDING; a restore into a fresh directory completes.
            #expect(try await home.db2("connect to sample").output.hasPrefix("SQL1119N"))
            let fresh = try await home.path("fresh-logs")
            try await home.succeed("db2 restore database sample from \(directory) logtarget \(fresh) replace existing; test $? -eq 2")
            // An offline image has no logs to extract.
            let offline = try await home.path("offline")
            try await home.succeed("db2 rollforward database sample to end of backup and complete overflow log path \\(\(fresh)\\) && db2 backup database sample to \(offline)")
            let noLogs = try await home.db2("restore database sample from \(offline) logtarget \(try await home.path("empty")) replace existing")
            #expect(noLogs.status == 4)
            #expect(noLogs.output.hasPrefix("SQL2581N"))
            #expect(noLogs.output.unwrapped.contains("Reason code \"1\"."))
        }
    }

    @Test func aFullTargetDiskFailsTheBackupAndLeavesNoImage() async throws {
        try await InstanceHome.with { home in
            try await prepare(home)
            let directory = try await home.path("backup")
            let values = (1...200).map { "(\($0), 'xxxxxxxxxxxxxxxxxxxx')" }.joined(separator: ", ")
            try await home.succeed("db2 connect to sample && db2 \"insert into t values \(values)\" && db2 terminate")
            let fault = try await home.simulator(["fault", "add", "--match", "backup database", "--disk-full-after", "2000"])
            #expect(fault.status == 0, "\(fault)")
            let backup = try await home.db2("backup database sample to \(directory)")
            #expect(backup.status == 4)
            #expect(backup.output == "SQL2419N  The target disk \"\(directory)\" has become full.\n")
            #expect(try await Files.list(directory).isEmpty)
            // The next backup (the rule fired once) works.
            #expect(try await home.db2("backup database sample to \(directory)").status == 0)
        }
    }
}
