import AgentSupport
import Foundation
import GuestAgent
import ObjectStorage
import OsloRPC
import TestSupport
import Testing

/// The operation journal (atomic records on disk) and what the agent does at start with what a crash left.
@Suite struct OperationJournalTests {
    @Test func recordsRoundTripAtomicallyAndPrivately() async throws {
        try await withTemporaryDirectory { base in
            let journal = OperationJournal(directory: base.appendingPathComponent("ops").path)
            var record = OperationRecord(
                kind: .backup, id: "3f2c/../x", step: "BACKUP DATABASE SAMPLE ONLINE", objectName: "3f2c.gz.enc",
                context: BackupHarness.context)
            try await journal.write(record)
            record.phase = .reporting
            record.report = ["state": "COMPLETED", "checksum": "abc"]
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
                    kind: .backup, id: "b-crash", step: "BACKUP DATABASE ORDERS ONLINE", objectName: "b-crash.gz.enc",
                    context: BackupHarness.context))

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

    @Test func aFinishedBackupWhoseReportWasLostIsReportedAgain() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base, databases: ["SAMPLE": BackupHarness.rows(500)])
            harness.publisher.setDown(true)
            try await harness.coordinator.createBackup(backupInfo: harness.backupInfo("b-lost"), context: BackupHarness.context)
            #expect(harness.journalFiles == ["backup-b-lost.json"], "kept until the conductor has the report")
            #expect(harness.storedNames().contains("b-lost.gz.enc"))

            harness.publisher.setDown(false)
            await harness.coordinator.recoverInterruptedOperations()
            let final = try #require(harness.finalUpdate("b-lost"))
            #expect(final["state"] == "COMPLETED")
            #expect(final["backup_type"] == "DB2OnlineBackup")
            #expect(harness.storedNames().contains("b-lost.gz.enc"), "a completed backup is kept")
            #expect(harness.journalFiles.isEmpty)
        }
    }

    @Test func anInterruptedRestoreIsReportedAndNotRetried() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base)
            try FileManager.default.createDirectory(atPath: harness.settings.restoreLogDirectory + "/SAMPLE", withIntermediateDirectories: true)
            try await OperationJournal(directory: harness.settings.journalDirectory).write(
                OperationRecord(
                    kind: .restore, id: "b-old", step: "RESTORE and ROLLFORWARD DATABASE SAMPLE",
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

    @Test func aRecoveryThatCannotReportIsKeptForTheNextStartThenGivenUp() async throws {
        try await withTemporaryDirectory { base in
            let harness = try BackupHarness(root: base)
            try await OperationJournal(directory: harness.settings.journalDirectory).write(
                OperationRecord(kind: .backup, id: "b-x", step: "upload", objectName: "b-x.gz.enc", context: BackupHarness.context))
            harness.publisher.setDown(true)
            await harness.coordinator.recoverInterruptedOperations()
            #expect(harness.journalFiles == ["backup-b-x.json"])
            await harness.coordinator.recoverInterruptedOperations()
            #expect(harness.journalFiles == ["backup-b-x.json"])
            await harness.coordinator.recoverInterruptedOperations()
            #expect(harness.journalFiles.isEmpty)
            #expect(harness.logs.contains("giving up"))
        }
    }
}
