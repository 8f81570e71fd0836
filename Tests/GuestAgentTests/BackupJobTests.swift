import AgentSupport
import BackupStream
import Foundation
import Logging
import GuestAgent
import ObjectStorage
import OsloRPC
import TestSupport
import TroveConfig
import Testing

/// `create_backup` and the restore of `prepare`, against the fake DB2 and a local store: what the conductor is
/// told, what the store holds, what is left on disk.
@Suite struct BackupJobTests {
    @Test func onlineBackupIsReportedBuildingThenCompletedAndRestoresIntoAnotherInstance() async throws {
        try await withTemporaryDirectory { base in
            let sample = BackupHarness.rows(20_000)
            let orders = BackupHarness.rows(5_000, seed: 7)
            let first = try BackupHarness(
                root: base.appendingPathComponent("first"), databases: ["SAMPLE": sample, "ORDERS": orders],
                store: base.appendingPathComponent("store"))
            let outcome = try await first.coordinator.createBackup(
                backupInfo: first.backupInfo("b-1"), context: BackupHarness.context)

            #expect(first.publisher.states(of: "b-1") == ["BUILDING", "COMPLETED"])
            let building = try #require(first.publisher.backupUpdates.first)
            #expect(building["size"]?.doubleValue != nil)
            #expect(building["instance_id"] == "guest-1")
            let done = try #require(first.finalUpdate("b-1"))
            #expect(done["backup_type"] == "DB2OnlineBackup")
            #expect(done["success"] == true)
            #expect(done["note"] == "Successfully saved data to local storage!")
            let checksum = try #require(done["checksum"]?.stringValue)
            let location = try #require(done["location"]?.stringValue)
            #expect(location.hasSuffix("/database_backups/b-1.gz.enc"))
            guard case .completed(let reportedLocation, let reportedChecksum, _) = outcome else {
                Issue.record("outcome \(String(describing: outcome))")
                return
            }
            #expect(reportedLocation == location && reportedChecksum == checksum)
            // The conductor's context is the request's (Trove sends update_backup in it).
            let cast = try #require(first.publisher.messages.last)
            #expect(cast["_context_request_id"] == "req-1")

            #expect(first.db2.calls.contains("ensureRecoverable"))
            #expect(first.db2.calls.contains("BACKUP ORDERS ONLINE") && first.db2.calls.contains("BACKUP SAMPLE ONLINE"))
            #expect(first.db2.calls.contains("db2ckbkp SAMPLE"))
            #expect(Set(first.db2.logRemovals) == ["ORDERS", "SAMPLE"])
            #expect(!first.backupDirectoryExists, "local images are removed")
            #expect(first.journalFiles.isEmpty, "the journal is cleared once the conductor has the report")
            #expect(first.storedNames().contains("b-1.gz.enc"))
            #expect(first.logs.contains("progress"), "long phases log their progress")

            let second = try BackupHarness(
                root: base.appendingPathComponent("second"), store: base.appendingPathComponent("store"))
            try await second.coordinator.restore(
                backupInfo: ["id": "b-1", "location": .string(location), "type": "DB2OnlineBackup",
                             "checksum": .string(checksum), "instance_id": "guest-2"],
                context: BackupHarness.context)
            #expect(second.db2.restored == ["SAMPLE": sample, "ORDERS": orders])
            #expect(second.db2.calls.contains("RESTORE SAMPLE + ROLLFORWARD"))
            #expect(second.db2.restoreLogTargets.count == 2, "each image gets its own empty log target")
            #expect(second.db2.calls.last == "ensureRecoverable", "archive logging is set up after the restore")
            #expect(!second.backupDirectoryExists)
            #expect(!FileManager.default.fileExists(atPath: second.settings.restoreLogDirectory))
            #expect(second.journalFiles.isEmpty)
        }
    }

    @Test func offlineBackupQuiescesAndRestoresWithoutRollforward() async throws {
        try await withTemporaryDirectory { base in
            let data = BackupHarness.rows(3_000)
            let first = try BackupHarness(
                root: base.appendingPathComponent("first"), strategy: .offline, databases: ["SAMPLE": data],
                store: base.appendingPathComponent("store"))
            try await first.coordinator.createBackup(backupInfo: first.backupInfo("off-1"), context: BackupHarness.context)
            let done = try #require(first.finalUpdate("off-1"))
            #expect(done["state"] == "COMPLETED")
            #expect(done["backup_type"] == "DB2OfflineBackup")
            #expect(first.db2.calls.first == "QUIESCE" && first.db2.calls.contains("UNQUIESCE"))
            #expect(!first.db2.calls.contains("ensureRecoverable"), "an offline backup needs no archive logging")
            #expect(first.db2.logRemovals.isEmpty)

            let second = try BackupHarness(
                root: base.appendingPathComponent("second"), strategy: .offline, store: base.appendingPathComponent("store"))
            try await second.coordinator.restore(
                backupInfo: ["id": "off-1", "location": done["location"]!, "type": "DB2OfflineBackup",
                             "checksum": done["checksum"]!],
                context: BackupHarness.context)
            #expect(second.db2.restored == ["SAMPLE": data])
            #expect(second.db2.calls == ["RESTORE SAMPLE"])
        }
    }

    @Test func notEnoughSpaceFailsWithTrovesMessageBeforeWritingAnything() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(
                root: base, databases: ["SAMPLE": BackupHarness.rows(50_000)], availableBytes: 1000)
            try await harness.coordinator.createBackup(backupInfo: harness.backupInfo("b-space"), context: BackupHarness.context)
            #expect(harness.publisher.states(of: "b-space") == ["BUILDING", "FAILED"])
            let note = try #require(harness.finalUpdate("b-space")?["note"]?.stringValue)
            #expect(note.hasPrefix("The instance has only 0.01G free while the estimated backup size is 0.01G."))
            #expect(note.contains("1000 B free"))
            #expect(!harness.db2.calls.contains { $0.hasPrefix("BACKUP") }, "no backup was started")
            #expect(harness.storedNames().isEmpty)
            #expect(harness.journalFiles.isEmpty)
        }
    }

    @Test func aDatabaseThatCannotBeMadeRecoverableFailsTheOnlineBackup() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base, databases: ["SAMPLE": BackupHarness.rows(100)])
            harness.db2.failRecoverability(with: "SAMPLE: LOGARCHMETH1 is OFF and SQL1035N prevents the repair")
            try await harness.coordinator.createBackup(backupInfo: harness.backupInfo("b-rec"), context: BackupHarness.context)
            let final = try #require(harness.finalUpdate("b-rec"))
            #expect(final["state"] == "FAILED" && final["success"] == false)
            #expect(final["note"]?.stringValue?.contains("not recoverable") == true)
            #expect(final["note"]?.stringValue?.contains("SQL1035N") == true)
            #expect(harness.storedNames().isEmpty)
        }
    }

    @Test func aBackupFailingMidWayIsReportedAndLeavesNoSegmentsNorImages() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(
                root: base, databases: ["AAA": BackupHarness.rows(40_000), "BBB": BackupHarness.rows(10)])
            harness.db2.failBackup(of: "BBB", with: "SQL2419N The target disk has become full.")
            let outcome = try await harness.coordinator.createBackup(
                backupInfo: harness.backupInfo("b-mid"), context: BackupHarness.context)
            #expect(harness.publisher.states(of: "b-mid") == ["BUILDING", "FAILED"])
            let note = try #require(harness.finalUpdate("b-mid")?["note"]?.stringValue)
            #expect(note == "BACKUP DATABASE BBB ONLINE failed: SQL2419N The target disk has become full.")
            #expect(outcome == .failed(note: note))
            #expect(harness.storedNames().isEmpty, "partial segments were deleted: \(harness.storedNames())")
            #expect(!harness.backupDirectoryExists)
            #expect(harness.journalFiles.isEmpty)
            #expect(harness.logs.contains("backup failed"))
        }
    }

    @Test func aFailedImageCheckFailsTheBackup() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base, databases: ["SAMPLE": BackupHarness.rows(100)])
            harness.db2.failVerification(with: "Image Verification Complete - ERRORS DETECTED: 1")
            try await harness.coordinator.createBackup(backupInfo: harness.backupInfo("b-ck"), context: BackupHarness.context)
            #expect(
                harness.finalUpdate("b-ck")?["note"]?.stringValue
                    == "db2ckbkp of the SAMPLE image failed: Image Verification Complete - ERRORS DETECTED: 1")
            #expect(harness.storedNames().isEmpty)
        }
    }

    @Test func imagesStreamWhileTheyAreCheckedButTheBackupEndsOnlyAfterTheCheck() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base, databases: ["SAMPLE": BackupHarness.rows(40_000)])
            let gate = harness.db2.holdVerification()
            let running = Task {
                try await harness.coordinator.createBackup(backupInfo: harness.backupInfo("b-check"), context: BackupHarness.context)
            }
            await gate.reached.wait()
            // db2ckbkp runs: the image streams meanwhile (segments are stored), but the backup is not finished.
            try await waitFor("segments are stored while the image is checked") {
                harness.storedNames().contains("b-check_00000001")
            }
            #expect(!harness.storedNames().contains("b-check.gz.enc"), "no manifest before the check passed")
            #expect(harness.publisher.states(of: "b-check") == ["BUILDING"])
            let image = try #require(
                (try FileManager.default.contentsOfDirectory(atPath: harness.settings.backupDirectory)).first)
            #expect(image.hasPrefix("SAMPLE."), "the image stays on disk until it is checked")
            gate.open()
            #expect(BackupHarness.completed(try await running.value), "the backup completes")
        }
    }

    @Test func aSecondBackupWhileOneRunsIsRefusedAndTheFirstCompletes() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base, databases: ["SAMPLE": BackupHarness.rows(2_000)])
            let gate = harness.db2.holdBackup(of: "SAMPLE")
            let first = Task {
                try await harness.coordinator.createBackup(backupInfo: harness.backupInfo("b-first"), context: BackupHarness.context)
            }
            await gate.reached.wait()
            let second = try await harness.coordinator.createBackup(
                backupInfo: harness.backupInfo("b-second"), context: BackupHarness.context)
            #expect(second == .failed(note: "another backup (b-first) is already running on this instance; this one was not started"))
            #expect(harness.publisher.states(of: "b-second") == ["FAILED"])
            // The same backup delivered again is ignored, not failed.
            #expect(try await harness.coordinator.createBackup(backupInfo: harness.backupInfo("b-first"), context: BackupHarness.context) == nil)
            gate.open()
            #expect(BackupHarness.completed(try await first.value), "the backup completes")
            #expect(harness.publisher.states(of: "b-first") == ["BUILDING", "COMPLETED"])
        }
    }

    @Test func abortingForShutdownReportsAgentStoppedAndCleansUp() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(
                root: base, databases: ["AAA": BackupHarness.rows(60_000), "BBB": BackupHarness.rows(100)])
            let gate = harness.db2.holdBackup(of: "BBB")
            let running = Task {
                try await harness.coordinator.createBackup(backupInfo: harness.backupInfo("b-stop"), context: BackupHarness.context)
            }
            await gate.reached.wait()
            #expect(await harness.coordinator.runningBackupID == "b-stop")
            #expect(await harness.coordinator.abortRunningBackup(reason: "agent stopped"))
            #expect(try await running.value == .failed(note: "agent stopped"))
            #expect(harness.publisher.states(of: "b-stop") == ["BUILDING", "FAILED"])
            #expect(harness.finalUpdate("b-stop")?["note"] == "agent stopped")
            #expect(harness.storedNames().isEmpty, "\(harness.storedNames())")
            #expect(!harness.backupDirectoryExists)
            #expect(harness.journalFiles.isEmpty)
            #expect(await harness.coordinator.abortRunningBackup() == false)
        }
    }

    @Test func theNextDatabaseIsBackedUpWhileThePreviousImageStreamsAndEachImageIsDeletedOnceStreamed() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(
                root: base, databases: ["AAA": BackupHarness.rows(30_000), "BBB": BackupHarness.rows(100)],
                verifyImages: false)
            let gate = harness.db2.holdBackup(of: "BBB")
            let running = Task {
                try await harness.coordinator.createBackup(backupInfo: harness.backupInfo("b-overlap"), context: BackupHarness.context)
            }
            await gate.reached.wait()
            // BBB's backup is running: AAA's image must leave the disk (streamed, then deleted) meanwhile.
            let directory = harness.settings.backupDirectory
            try await waitFor("AAA's image is streamed and deleted while BBB is backed up") {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                return !names.contains { $0.hasPrefix("AAA.") }
            }
            gate.open()
            #expect(BackupHarness.completed(try await running.value), "the backup completes")
        }
    }

    @Test func withoutRoomForTwoImagesTheNextBackupWaitsForThePreviousToStream() async throws {
        try await withTemporaryDirectory { base in
            let aaa = BackupHarness.rows(30_000)
            let harness = try BackupHarness(
                root: base, databases: ["AAA": aaa, "BBB": BackupHarness.rows(29_000)], verifyImages: false,
                availableBytes: Int64(Double(aaa.count + 4096) * 1.2))
            let outcome = try await harness.coordinator.createBackup(
                backupInfo: harness.backupInfo("b-wait"), context: BackupHarness.context)
            #expect(BackupHarness.completed(outcome), "\(String(describing: outcome))")
            #expect(harness.db2.calls.filter { $0.hasPrefix("BACKUP") } == ["BACKUP AAA ONLINE", "BACKUP BBB ONLINE"])
            #expect(harness.db2.filesAtBackupStart["BBB"] == [], "BBB waited until AAA's image was streamed and deleted")
        }
    }

    @Test func restoreFailuresNameTheStepAndCleanUp() async throws {
        try await withTemporaryDirectory { base in
            let (_, done) = try await BackupHarness.completedBackup("b-r", in: base)
            let second = try BackupHarness(
                root: base.appendingPathComponent("second"), store: base.appendingPathComponent("store"))

            await #expect(throws: TroveError.unknownBackupType(
                type: "DB2IncrementalBackup", namespace: "trove.guestagent.strategies.restore.experimental.db2_impl")) {
                try await second.coordinator.restore(
                    backupInfo: ["id": "b-r", "location": done["location"]!, "type": "DB2IncrementalBackup"],
                    context: BackupHarness.context)
            }
            do {
                try await second.coordinator.restore(
                    backupInfo: ["id": "b-r", "location": done["location"]!, "type": "DB2OnlineBackup",
                                 "checksum": "0123456789abcdef0123456789abcdef"],
                    context: BackupHarness.context)
                Issue.record("a wrong checksum restored")
            } catch {
                #expect("\(error)".contains("checksum mismatch"), "\(error)")
            }
            #expect(second.db2.restored.isEmpty)
            #expect(!second.backupDirectoryExists)
            #expect(second.journalFiles.isEmpty)
            #expect(second.logs.contains("restore failed"))
        }
    }

    @Test func aRestoreWritesNoMoreThanTheFileSystemCanHoldAndNamesTheLimit() async throws {
        try await withTemporaryDirectory { base in
            let first = try BackupHarness(
                root: base.appendingPathComponent("first"), databases: ["SAMPLE": BackupHarness.rows(40_000)],
                store: base.appendingPathComponent("store"))
            try await first.coordinator.createBackup(backupInfo: first.backupInfo("b-big"), context: BackupHarness.context)
            let done = try #require(first.finalUpdate("b-big"))
            // 1 MiB free where the images land: half of it must stay free, and the image is larger than the rest.
            let second = try BackupHarness(
                root: base.appendingPathComponent("second"), store: base.appendingPathComponent("store"),
                availableBytes: 1 << 20)
            do {
                try await second.coordinator.restore(
                    backupInfo: ["id": "b-big", "location": done["location"]!, "type": "DB2OnlineBackup",
                                 "checksum": done["checksum"]!],
                    context: BackupHarness.context)
                Issue.record("a restore larger than the free space went through")
            } catch {
                #expect("\(error)".contains("download and unpack"), "\(error)")
                #expect("\(error)".contains("limit") || "\(error)".contains("free"), "\(error)")
            }
            #expect(second.db2.restored.isEmpty)
            #expect(!second.backupDirectoryExists)
        }
    }

    @Test func aWrongKeyOnRestoreFailsClearly() async throws {
        try await withTemporaryDirectory { base in
            let (first, done) = try await BackupHarness.completedBackup("b-key", in: base)
            var settings = first.settings
            settings.unpack.decryptionKey = Secret("not-the-key")
            settings.mountPoint = base.appendingPathComponent("second").path
            try FileManager.default.createDirectory(atPath: settings.mountPoint, withIntermediateDirectories: true)
            let db2 = FakeDB2()
            let coordinator = BackupCoordinator(
                settings: BackupSettings(
                    strategy: .online, mountPoint: base.appendingPathComponent("second").path, pack: settings.pack,
                    unpack: settings.unpack, storage: settings.storage,
                    stateDirectory: base.appendingPathComponent("second-state").path),
                database: db2, conductor: RecordingPublisher().makeConductor(),
                logger: .init(label: "test") { _ in SwiftLogNoOpLogHandler() })
            do {
                try await coordinator.restore(
                    backupInfo: ["id": "b-key", "location": done["location"]!, "type": "DB2OnlineBackup",
                                 "checksum": done["checksum"]!],
                    context: BackupHarness.context)
                Issue.record("restored with the wrong key")
            } catch {
                #expect("\(error)".contains("download and unpack"), "\(error)")
                #expect("\(error)".contains("wrong key") || "\(error)".contains("bad decrypt"), "\(error)")
            }
            #expect(db2.restored.isEmpty)
        }
    }

    @Test func invalidBackupInfoIsRejected() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base)
            await #expect(throws: BackupOperationError.self) {
                try await harness.coordinator.createBackup(backupInfo: ["name": "no id"], context: BackupHarness.context)
            }
            #expect(harness.publisher.messages.isEmpty)
        }
    }
}
