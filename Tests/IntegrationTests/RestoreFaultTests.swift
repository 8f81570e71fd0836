import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// Restores that must fail: prepare ends with `failed to spawn`, the log names the step (and the database), no
    /// database is restored from bad bytes, and nothing is left in the backup directories.
    @Suite(.needsServices) struct RestoreFaultTests {
        /// A completed online backup of one database holding rows 1...200, made with a small segment size.
        func makeBackup(_ session: BackupTestSession) async throws -> (id: String, end: [String: JSONValue], context: [String: JSONValue]) {
            let source = try await session.preparedInstance()
            try await session.insertRows(200, into: "SAMPLE", of: source)
            let context = try await session.context()
            let (id, end) = try await session.backup(source, context: context)
            guard end["state"] == "COMPLETED" else { throw BackupTestFailure("backup failed: \(end)") }
            return (id, end, context)
        }

        /// Prepares a fresh instance from `info`; returns it and the outcome heartbeat.
        func restore(
            _ session: BackupTestSession, _ info: (BackupTestInstance) -> JSONValue, context: [String: JSONValue],
            config: [String: [String: String]] = [:]
        ) async throws -> (BackupTestInstance, String) {
            let target = try await session.instance(config: config)
            try await target.start()
            let status = try await target.prepare(
                databases: [], backupInfo: info(target), context: context, conductor: session.conductor)
            return (target, status)
        }

        /// No database was made from the bad backup, and no copy of it is left behind.
        func expectNothingRestored(_ target: BackupTestInstance) async throws {
            let databases = try await target.succeed("db2 list database directory || true")
            #expect(!databases.contains("SAMPLE"), "nothing was restored")
            #expect(!FileManager.default.fileExists(atPath: target.backupDirectory))
        }

        @Test func aWrongAESKeyFailsThePrepare() async throws {
            try await BackupTestSession.run { session in
                let (id, end, context) = try await makeBackup(session)
                let (target, status) = try await restore(
                    session, { BackupTestSession.restoreInfo(id, end, for: $0) }, context: context,
                    config: ["DEFAULT": ["backup_aes_cbc_key": "not-the-key-it-was-made-with"]])
                #expect(status == "failed to spawn")
                let log = target.daemon.logText
                #expect(log.contains("restore failed"))
                #expect(log.contains("download and unpack"), "the step is named")
                #expect(log.contains("wrong key") || log.contains("bad decrypt"), "the cause is named")
                #expect(!log.contains("not-the-key"), "the key never reaches the log")
                try await expectNothingRestored(target)
            }
        }

        @Test func aCorruptedSegmentFailsThePrepare() async throws {
            try await BackupTestSession.run { session in
                let (id, end, context) = try await makeBackup(session)
                try await session.swift.corrupt(container: session.container, segment: "\(id)_00000001")
                let (target, status) = try await restore(
                    session, { BackupTestSession.restoreInfo(id, end, for: $0) }, context: context)
                #expect(status == "failed to spawn")
                let log = target.daemon.logText
                #expect(log.contains("restore failed"))
                #expect(log.contains("\(id)_00000001") && log.contains("corrupt"), "the corrupt segment is named")
                try await expectNothingRestored(target)
            }
        }

        @Test func aChecksumThatDoesNotMatchIsRefusedBeforeDownloading() async throws {
            try await BackupTestSession.run { session in
                let (id, end, context) = try await makeBackup(session)
                var tampered = end
                tampered["checksum"] = "0123456789abcdef0123456789abcdef"
                let (target, status) = try await restore(
                    session, { BackupTestSession.restoreInfo(id, tampered, for: $0) }, context: context)
                #expect(status == "failed to spawn")
                #expect(target.daemon.logText.contains("checksum mismatch"))
            }
        }

        @Test func anUnknownBackupTypeIsTrovesUnknownBackupType() async throws {
            try await BackupTestSession.run { session in
                let context = try await session.context()
                let (target, status) = try await restore(
                    session,
                    { ["id": "b1", "instance_id": .string($0.guestID), "location": "http://x/v1/AUTH_t/c/b1.gz.enc",
                       "type": "InnoBackupEx", "checksum": "x"] },
                    context: context)
                #expect(status == "failed to spawn")
                #expect(target.daemon.logText.contains(
                    "Unknown Backup type: InnoBackupEx in namespace trove.guestagent.strategies.restore.experimental.db2_impl"))
            }
        }
    }
}
