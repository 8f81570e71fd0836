import AgentSupport
import Foundation
import GuestAgent
import ObjectStorage
import OsloRPC
import TestSupport
import Testing
import TroveConfig

/// The operation journal (atomic records on disk) and what the agent does at start with what a crash left.
@Suite struct OperationJournalTests {
    @Test func recordsRoundTripAtomicallyAndPrivately() async throws {
        try await withTemporaryDirectory { base in
            let journal = OperationJournal(directory: base.appendingPathComponent("ops").path)
            var record = OperationRecord(
                kind: .backup, id: "3f2c/../x", state: BackupState.streaming.rawValue,
                step: "BACKUP DATABASE SAMPLE ONLINE", objectName: "3f2c.gz.enc", context: BackupHarness.context)
            try await journal.write(record)
            record.state = BackupState.stored.rawValue
            record.report = ["state": "COMPLETED", "checksum": "abc"]
            record.reportSent = 1_700_000_000.25
            record.images = [.init(database: "SAMPLE", timestamp: "20260101000000", completedAt: 1_700_000_000)]
            record.quiesced = true
            try await journal.write(record)
            // A write that never reached its rename leaves a temporary file: ignored and removed.
            let stray = base.appendingPathComponent("ops/.tmp-1-deadbeef")
            try Data("{half".utf8).write(to: stray)

            let found = try await journal.records()
            #expect(found.records == [record])
            #expect(found.unreadable.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: stray.path))
            let path = journal.path(kind: .backup, id: "3f2c/../x")
            #expect(path.hasSuffix("/backup-3f2c_.._x.json"), "the id cannot leave the journal directory")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "records hold the request's token")
            #expect(!"\(record)".contains("user-token"))

            try await journal.remove(kind: .backup, id: "3f2c/../x")
            try await journal.remove(kind: .backup, id: "3f2c/../x")
            #expect(try await journal.records().records.isEmpty)
        }
    }

    @Test func aCorruptRecordIsReportedAndLeftInPlace() async throws {
        try await withTemporaryDirectory { base in
            let journal = OperationJournal(directory: base.path)
            try Data("not json".utf8).write(to: base.appendingPathComponent("backup-x.json"))
            let found = try await journal.records()
            #expect(found.records.isEmpty)
            #expect(found.unreadable.count == 1)
            #expect("\(found.unreadable[0])".contains("backup-x.json"))
        }
    }

    @Test func anInterruptedBackupIsReportedFailedAndItsPartialUploadAndImagesRemoved() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base)
            // What a kill in the middle of an upload leaves: two stored segments, an image, the journal record.
            let store = harness.storeDirectory
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            for name in ["b-crash_00000000", "b-crash_00000001", "other_00000000"] {
                try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: "\(store)/\(name)"))
            }
            try FileManager.default.createDirectory(atPath: harness.settings.backupDirectory, withIntermediateDirectories: true)
            try Data("image".utf8).write(
                to: URL(fileURLWithPath: harness.settings.backupDirectory + "/SAMPLE.0.fake.DBPART000.20260101000000.001"))
            try await OperationJournal(directory: harness.settings.journalDirectory).write(
                OperationRecord(
                    kind: .backup, id: "b-crash", state: BackupState.streaming.rawValue,
                    step: "BACKUP DATABASE ORDERS ONLINE", objectName: "b-crash.gz.enc", context: BackupHarness.context))

            await harness.coordinator.recoverInterruptedOperations()
            #expect(harness.publisher.states(of: "b-crash") == ["FAILED"])
            let final = try #require(harness.finalUpdate("b-crash"))
            #expect(final["note"]?.stringValue?.contains("the agent stopped during the backup (step: BACKUP DATABASE ORDERS ONLINE)") == true)
            #expect(final["success"] == false)
            #expect(harness.publisher.messages.last?["_context_request_id"] == "req-1", "reported in the request's context")
            #expect(harness.storedNames() == ["other_00000000"], "only the interrupted backup's segments are deleted")
            #expect(!harness.backupDirectoryExists)
            #expect(harness.journalFiles.isEmpty)
        }
    }

    @Test func aReportTheBrokerDidNotTakeIsDeliveredOnceItIsBackAndTheRecordKeptUntilThen() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base, databases: ["SAMPLE": BackupHarness.rows(500)])
            harness.publisher.setDown(true)
            let outcome = try await harness.coordinator.createBackup(
                backupInfo: harness.backupInfo("b-lost"), context: BackupHarness.context)
            #expect(BackupHarness.completed(outcome))
            #expect(harness.journalFiles == ["backup-b-lost.json"], "kept until the conductor has the report")
            #expect(harness.storedNames().contains("b-lost.gz.enc"))
            #expect(await harness.coordinator.pendingReports == 1)

            harness.publisher.setDown(false)
            try await waitFor("the report is delivered once the broker is back") {
                harness.publisher.states(of: "b-lost").contains("COMPLETED")
            }
            try await waitFor("the journal record goes once the report is delivered") { harness.journalFiles.isEmpty }
            #expect(harness.publisher.states(of: "b-lost").filter { $0 == "COMPLETED" }.count == 1)
            #expect(harness.storedNames().contains("b-lost.gz.enc"), "a completed backup is kept")
        }
    }

    @Test func aFinalReportNoQueueTookIsSentAgainWithItsSentUntilOneDoes() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base, databases: ["SAMPLE": BackupHarness.rows(500)])
            harness.publisher.setNoRoute(true)
            _ = try await harness.coordinator.createBackup(
                backupInfo: harness.backupInfo("b-route"), context: BackupHarness.context)
            #expect(harness.publisher.states(of: "b-route").isEmpty, "nothing reached a conductor queue")
            #expect(harness.journalFiles == ["backup-b-route.json"])
            harness.publisher.setNoRoute(false)
            try await waitFor("COMPLETED is delivered once a queue takes it") {
                harness.publisher.states(of: "b-route") == ["COMPLETED"]
            }
            try await waitFor("the journal is empty") { harness.journalFiles.isEmpty }
            let record = try #require(harness.publisher.backupUpdates.first { $0["backup_id"] == "b-route" })
            let journaled = try #require(record["sent"]?.doubleValue)
            #expect(journaled > 0)
            #expect(harness.logs.contains("reached no conductor queue"))
        }
    }

    @Test func aStoredBackupFoundAtStartIsReportedCompletedAndItsCarriedLogsRemovedNeverDeleted() async throws {
        try await withTemporaryDirectory { base in
            let (first, done) = try await BackupHarness.completedBackup("b-stored", in: base)
            // What a kill right after the store verified the backup leaves: the record in `stored`.
            let second = try BackupHarness(root: base.appendingPathComponent("first"), store: base.appendingPathComponent("store"))
            try await OperationJournal(directory: second.settings.journalDirectory).write(
                OperationRecord(
                    kind: .backup, id: "b-stored", state: BackupState.stored.rawValue, step: "removing",
                    objectName: "b-stored.gz.enc", context: BackupHarness.context, report: done, reportSent: 42.5,
                    images: [.init(database: "SAMPLE", timestamp: "1", completedAt: 1_700_000_000)]))
            await second.coordinator.recoverInterruptedOperations()
            let final = try #require(second.finalUpdate("b-stored"))
            #expect(final["state"] == "COMPLETED" && final["checksum"] == done["checksum"])
            #expect(final["sent"]?.doubleValue == 42.5, "the report keeps the sent it was recorded with")
            #expect(second.db2.logRemovals == ["SAMPLE"], "the carried logs go once the backup is known stored")
            #expect(first.storedNames().contains("b-stored.gz.enc"), "the verified backup is kept")
            #expect(second.journalFiles.isEmpty)
        }
    }

    @Test func anInterruptedRestoreIsReportedAndNotRetried() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base)
            try FileManager.default.createDirectory(atPath: harness.settings.restoreLogDirectory + "/SAMPLE", withIntermediateDirectories: true)
            try await OperationJournal(directory: harness.settings.journalDirectory).write(
                OperationRecord(
                    kind: .restore, id: "b-old", state: OperationRecord.restoring,
                    step: "RESTORE and ROLLFORWARD DATABASE SAMPLE",
                    location: "file:///x/database_backups/b-old.gz.enc", context: BackupHarness.context))
            await harness.coordinator.recoverInterruptedOperations()
            let heartbeat = try #require(harness.publisher.messages.first { $0["method"] == "heartbeat" })
            #expect(heartbeat["args"]?["payload"]?["service_status"] == "failed to spawn")
            #expect(harness.logs.contains("a restore was interrupted"))
            #expect(harness.logs.contains("RESTORE and ROLLFORWARD DATABASE SAMPLE"))
            #expect(harness.db2.calls.isEmpty, "nothing is restored again")
            #expect(!FileManager.default.fileExists(atPath: harness.settings.restoreLogDirectory))
            #expect(harness.journalFiles.isEmpty)
        }
    }

    @Test func aRecoveryThatCannotReportKeepsTryingAndKeepsTheRecordUntilItDoes() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base)
            try await OperationJournal(directory: harness.settings.journalDirectory).write(
                OperationRecord(
                    kind: .backup, id: "b-x", state: BackupState.streaming.rawValue, step: "upload",
                    objectName: "b-x.gz.enc", context: BackupHarness.context))
            harness.publisher.setDown(true)
            await harness.coordinator.recoverInterruptedOperations()
            #expect(harness.journalFiles == ["backup-b-x.json"])
            harness.publisher.setDown(false)
            try await waitFor("FAILED is delivered once the broker is back") {
                harness.publisher.states(of: "b-x") == ["FAILED"]
            }
            try await waitFor("the journal is empty") { harness.journalFiles.isEmpty }
        }
    }

    @Test func anOfflineBackupFoundQuiescedAtStartIsUnquiescedFirst() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base, strategy: .offline)
            try await OperationJournal(directory: harness.settings.journalDirectory).write(
                OperationRecord(
                    kind: .backup, id: "b-q", state: BackupState.quiescing.rawValue, step: "offline backup",
                    objectName: "b-q.gz.enc", context: BackupHarness.context, quiesced: true))
            await harness.coordinator.recoverInterruptedOperations()
            #expect(harness.db2.calls == ["UNQUIESCE"])
            #expect(harness.publisher.states(of: "b-q") == ["FAILED"])
            #expect(harness.journalFiles.isEmpty)
        }
    }
}
