import AgentSupport
import DB2
import Foundation
import Testing
import TestSupport

/// The DB2 operations the backup pipeline (issue 6) builds on, against db2sim.
@Suite(.needsServices) struct BackupOperationTests {
    @Test func onlineBackupWithAWriterRestoresIntoAFreshInstance() async throws {
        try await SimulatedInstance.with { source in
            let name = try DatabaseName("ORDERS")
            try await source.manager.createDatabases([name])
            try await source.succeed("db2 connect to ORDERS && db2 \"create table t (id integer not null, note varchar(20))\"")
            // A writer inserts rows, one transaction each, before, during and after the backup.
            let stopFile = "\(source.root.path)/stop-writer"
            let writer = Task {
                try await source.shell(
                    "db2 connect to ORDERS >/dev/null || exit 9; i=0; while [ ! -e '\(stopFile)' ]; do i=$((i+1)); db2 \"insert into t values ($i, 'row')\" >/dev/null || exit 8; done; echo $i")
            }
            try await waitUntil("the writer wrote rows") { try await source.count("t", in: "ORDERS") >= 20 }
            let estimate = try await source.manager.estimateBackupSize(of: name)
            #expect(estimate.databaseBytes > 0)
            let directory = "\(source.root.path)/backup"
            let beforeBackup = try await source.count("t", in: "ORDERS")
            let image = try await source.manager.onlineBackup(of: name, to: directory)
            let afterBackup = try await source.count("t", in: "ORDERS")
            try await waitUntil("more rows after the backup") { try await source.count("t", in: "ORDERS") > afterBackup + 10 }
            #expect(FileManager.default.createFile(atPath: stopFile, contents: nil))
            let written = try await writer.value
            #expect(written.succeeded, "writer: \(written.stdout) \(written.stderr)")
            #expect(image.database == name)
            #expect(image.path.hasPrefix(directory + "/ORDERS.0."))
            // Found on disk: the same file (the listing cannot know when the backup ended).
            #expect(try await source.manager.listImages(in: directory).map(\.path) == [image.path])
            try await source.manager.verifyImage(image)

            try await SimulatedInstance.with { target in
                try await target.manager.restoreOnline(image, logDirectory: "\(target.root.path)/restore-logs")
                let restored = try await target.count("t", in: "ORDERS")
                // Every row committed before the backup started is there, and nothing committed after it ended.
                #expect(restored >= beforeBackup)
                #expect(restored <= afterBackup)
                let ids = try await target.succeed("db2 connect to ORDERS >/dev/null && db2 -x \"select max(id) from t\"")
                #expect(Int(ids.trimmingCharacters(in: .whitespacesAndNewlines)) == restored)
                let listing = try await target.manager.databaseConfiguration(name)
                #expect(listing[parameter: "LOGARCHMETH1"] == target.manager.configuration.archiveMethod)
                #expect(!listing.isSet("Rollforward pending"))
            }
            let removed = try await source.manager.removeArchivedLogs(of: name, archivedBefore: Date())
            #expect(!removed.isEmpty)
            #expect(removed.allSatisfy { $0.hasPrefix(source.manager.configuration.archiveLogDirectory) && $0.hasSuffix(".LOG") })
            #expect(removed.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        }
    }

    @Test func offlineBackupQuiescesAndRestoresWithoutRollforward() async throws {
        try await SimulatedInstance.with(strategy: .offline) { source in
            let names = try ["INV", "HR"].map(DatabaseName.init)
            try await source.manager.createDatabases(names)
            try await source.succeed("db2 connect to INV && db2 \"create table t (id integer)\" && db2 \"insert into t values (1), (2), (3)\"")
            let directory = "\(source.root.path)/backup"
            let images = try await source.manager.offlineBackup(of: names, to: directory)
            #expect(images.map(\.database) == names)
            // Unquiesced: connections work again.
            try await source.succeed("db2 connect to INV && db2 connect reset")
            try await SimulatedInstance.with(strategy: .offline) { target in
                for image in images { try await target.manager.restoreOffline(image) }
                #expect(try await target.count("t", in: "INV") == 3)
                #expect(try await target.manager.databases() == names.sorted())
            }
        }
    }

    @Test func aFailedOfflineBackupStillUnquiesces() async throws {
        try await SimulatedInstance.with(strategy: .offline) { instance in
            let name = try DatabaseName("PAY")
            try await instance.manager.createDatabases([name])
            try await instance.fault(["add", "--match", "BACKUP DATABASE PAY", "--fail", "SQL2419N", "--token", "/x"])
            let error = await #expect(throws: DB2Error.self) {
                try await instance.manager.offlineBackup(of: [name], to: "\(instance.root.path)/backup")
            }
            #expect(error?.kind == .diskFull)
            #expect(error?.database == "PAY")
            try await instance.succeed("db2 connect to PAY && db2 connect reset")
        }
    }

    @Test func anOnlineBackupOfANonRecoverableDatabaseIsTyped() async throws {
        try await SimulatedInstance.with(strategy: .offline) { instance in
            let name = try DatabaseName("PLAIN")
            try await instance.manager.createDatabases([name])
            let error = await #expect(throws: DB2Error.self) {
                try await instance.manager.onlineBackup(of: name, to: "\(instance.root.path)/backup")
            }
            #expect(error?.kind == .notRecoverable)
            #expect(error?.step == "BACKUP DATABASE ONLINE")
        }
    }

    @Test func aDamagedImageFailsVerification() async throws {
        try await SimulatedInstance.with { instance in
            let name = try DatabaseName("CHK")
            try await instance.manager.createDatabases([name])
            let image = try await instance.manager.onlineBackup(of: name, to: "\(instance.root.path)/backup")
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image.path))
            try handle.seek(toOffset: 600)
            try handle.write(contentsOf: Data(repeating: 0xAB, count: 64))
            try handle.close()
            let error = await #expect(throws: DB2Error.self) { try await instance.manager.verifyImage(image) }
            #expect(error?.kind == .damagedImage)
        }
    }

    /// An online image of an idle database restored where nothing else holds its logs (the source instance and its
    /// archive are gone): the rollforward must be given the logs the image carries (RESTORE ... LOGTARGET, then
    /// ROLLFORWARD ... OVERFLOW LOG PATH), as Db2 always needs them after an online restore.
    @Test func anIdleOnlineImageRestoresWhereOnlyTheImageHoldsItsLogs() async throws {
        let kept = try makeTemporaryDirectory(prefix: "db2-images")
        defer { try? FileManager.default.removeItem(at: kept) }
        let name = try DatabaseName("IDLE")
        let copied = try await SimulatedInstance.with { source in
            try await source.manager.createDatabases([name])
            try await source.succeed("db2 connect to IDLE && db2 \"create table t (id integer)\" && db2 \"insert into t values (1), (2)\"")
            let image = try await source.manager.onlineBackup(of: name, to: "\(source.root.path)/backup")
            let copy = "\(kept.path)/\(URL(fileURLWithPath: image.path).lastPathComponent)"
            try FileManager.default.copyItem(atPath: image.path, toPath: copy)
            return try #require(try await source.manager.listImages(in: kept.path).first)
        }
        try await SimulatedInstance.with { target in
            try await target.manager.restoreOnline(copied, logDirectory: "\(target.root.path)/restore-logs")
            #expect(try await target.count("t", in: "IDLE") == 2)
        }
    }

    /// The space check's estimate covers the online image: a fresh database size (GET_DBSIZE_INFO caches its
    /// values for the refresh window; the default is 30 minutes) and the log the image carries (at least one log
    /// file of LOGFILSIZ 4 KB pages, which the log in use by open work does not show).
    @Test func theSizeEstimateCoversTheOnlineImage() async throws {
        try await SimulatedInstance.with { instance in
            let name = try DatabaseName("GROW")
            try await instance.manager.createDatabases([name])
            let first = try await instance.manager.estimateBackupSize(of: name)
            let values = (1...400).map { "(\($0), '\(String(repeating: "x", count: 200))')" }.joined(separator: ", ")
            try await instance.succeed(
                "db2 connect to GROW && db2 \"create table t (id int, filler varchar(200))\" && db2 \"insert into t values \(values)\"")
            let estimate = try await instance.manager.estimateBackupSize(of: name)
            #expect(estimate.databaseBytes >= first.databaseBytes + 400 * 200, "a fresh size: \(first) then \(estimate)")
            let logFileSize = try await instance.manager.databaseConfiguration(name)[parameter: "LOGFILSIZ"].flatMap { Int64($0) }
            #expect(estimate.logBytes >= (try #require(logFileSize)) * 4096)
            let image = try await instance.manager.onlineBackup(of: name, to: "\(instance.root.path)/backup")
            let imageBytes = try #require(try FileManager.default.attributesOfItem(atPath: image.path)[.size] as? NSNumber).int64Value
            // The image also holds headers and the catalog (what Db2 keeps besides table spaces and logs): the space
            // check adds its margin (10 % by default) for that.
            #expect(estimate.totalBytes <= imageBytes + imageBytes / 10, "estimate \(estimate.totalBytes) for an image of \(imageBytes)")
            #expect(estimate.totalBytes + estimate.totalBytes / 10 >= imageBytes, "estimate \(estimate.totalBytes) for an image of \(imageBytes)")
        }
    }

    /// During an offline backup's QUIESCE window the instance owner (SYSADM) may still connect, and a connection
    /// there makes the BACKUP fail with SQL1035N (IBM, QUIESCE). The agent's own read-only jobs that connect
    /// (`list_users` here) wait for the window to end; the backup succeeds and then the query is answered.
    @Test func readOnlyJobsStayOutOfTheOfflineBackupsQuiesceWindow() async throws {
        try await SimulatedInstance.with(strategy: .offline) { instance in
            let name = try DatabaseName("INV")
            try await instance.manager.createDatabases([name])
            let legacy = try UserName(uniqueLogin())
            try await instance.succeed(
                "db2 connect to INV && db2 \"GRANT DBADM,CREATETAB,BINDADD,CONNECT,DATAACCESS ON DATABASE TO USER \(legacy.authorizationID)\"")
            // Rule 1 holds the backup after QUIESCE; rule 2 holds a query of SYSCAT.DBAUTH while it is connected.
            try await instance.fault(["add", "--match", "BACKUP DATABASE INV", "--at", "start", "--hang", "300"])
            try await instance.fault(["add", "--match", "FROM SYSCAT.DBAUTH", "--at", "start", "--hang", "300"])
            let fired = { (id: Int) async throws -> Bool in
                let list = try await ProcessRunner.run(
                    try SimulatedInstance.simulator(), ["fault", "list"],
                    environment: try await instance.manager.executor.environment())
                return list.stdout.split(separator: "\n").contains { $0.hasPrefix("id=\(id) ") && !$0.hasSuffix(" fired=0") }
            }
            let backup = Task { try await instance.manager.offlineBackup(of: [name], to: "\(instance.root.path)/backup") }
            try await waitUntil("the backup is in the quiesce window") { try await fired(1) }
            let users = Task { try await instance.manager.listUsers(limit: nil, marker: nil, includeMarker: false) }
            try await waitUntil("the query is connected or held back") {
                let held = await instance.manager.connectingJobsHeldByQuiesce
                return try await fired(2) || held > 0
            }
            try await instance.fault(["clear", "--id", "1"])
            let images = try await backup.value
            #expect(images.map(\.database) == [name])
            try await waitUntil("the query runs after the window") { try await fired(2) }
            try await instance.fault(["clear", "--id", "2"])
            #expect(try await users.value.items.map(\.name) == [legacy])
        }
    }
}
