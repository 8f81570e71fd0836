import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// Online and offline backup and restore end to end: Trove's taskmanager and conductor (real oslo.messaging)
    /// over RabbitMQ, the agent on the DB2 stand-in, a real Swift, and python-swiftclient and Trove's shell pipeline
    /// as independent judges of what was stored.
    @Suite(.needsServices) struct BackupEndToEndTests {
        @Test func onlineBackupWhileAWriterInsertsRestoresEveryRowCommittedBeforeTheBackupEnded() async throws {
            try await BackupTestSession.run { try await onlineBackupWhileWriting($0) }
        }

        private func onlineBackupWhileWriting(_ session: BackupTestSession) async throws {
            let source = try await session.preparedInstance()
            let writer = try source.startWriter(database: "SAMPLE", table: "ROWS")
            try await waitFor("the writer commits rows") { writer.acknowledged >= 20 }

            // The backup pauses once it has copied the data, while the writer goes on: those rows can only reach the
            // restored database through the log the image carries (INCLUDE LOGS) and the rollforward.
            try await source.fault(["add", "--match", "BACKUP DATABASE SAMPLE", "--at", "after-data", "--hang", "120"])
            let (token, storageURL) = try await session.swift.authenticate()
            let context = session.swift.context(token: token, storageURL: storageURL)
            let backupID = UUID().uuidString.lowercased()
            try await source.createBackup(id: backupID, context: context)
            try await waitFor("the backup has copied the data") { source.faultFired(matching: "BACKUP DATABASE SAMPLE") > 0 }
            let atPause = writer.acknowledged
            try await waitFor("rows committed while the backup runs") { writer.acknowledged >= atPause + 10 }
            let beforeLogTail = writer.acknowledged
            try await source.fault(["clear"])

            let end = try await session.waitForEnd(backupID)
            let atEnd = writer.acknowledged
            try await waitFor("rows committed after the backup") { writer.acknowledged >= atEnd + 10 }
            let total = await writer.stop()
            #expect(writer.errors.isEmpty, "the writer was never refused: \(writer.errors)")

            // The conductor saw BUILDING, then COMPLETED with Trove's fields.
            let updates = session.updates(backupID)
            #expect(session.states(backupID) == ["BUILDING", "COMPLETED"], "\(updates)")
            #expect(updates.first?["size"]?.doubleValue != nil)
            #expect(end["backup_type"] == "DB2OnlineBackup")
            #expect(end["success"] == true)
            let checksum = try #require(end["checksum"]?.stringValue)
            let location = try #require(end["location"]?.stringValue)
            let object = "\(backupID).gz.enc"
            #expect(location == "\(storageURL)/\(session.container)/\(object)")
            let sent = updates.compactMap { $0["sent"]?.doubleValue }
            #expect(sent.count == 2 && sent[0] < sent[1], "sent increases")

            // python-swiftclient's view of the object agrees with the checksum Trove records.
            let head = try await session.swift.head(container: session.container, object: object)
            #expect(head.etag == checksum)
            #expect(head.isSLO, "segments of 4 KiB: a static large object")
            let listing = try await session.swift.list(container: session.container)
            #expect(listing.contains(object) && listing.contains("\(backupID)_00000001"))

            // Trove's format: Trove's own restore pipeline reads it.
            let file = source.root.appendingPathComponent("downloaded")
            try await session.swift.download(container: session.container, object: object, to: file)
            let members = try await source.succeed(
                "openssl enc -d -aes-256-cbc -salt -pass pass:\(BackupTestInstance.aesKey) < '\(file.path)' | gzip -d -c | tar tPf -")
                .split(separator: "\n").map(String.init)
            #expect(members.first == source.backupDirectory + "/")
            #expect(members.contains { $0.hasPrefix(source.backupDirectory + "/SAMPLE.0.") && $0.hasSuffix(".001") }, "\(members)")
            #expect(!FileManager.default.fileExists(atPath: source.backupDirectory), "local images removed")

            // A fresh instance prepared from the backup holds exactly the rows committed before the backup ended.
            let target = try await session.instance()
            try await target.start()
            let status = try await target.prepare(
                databases: [], backupInfo: BackupTestSession.restoreInfo(backupID, end, for: target), context: context,
                conductor: session.conductor)
            #expect(status == "running")
            let ids = try await target.ids(in: "ROWS", database: "SAMPLE")
            #expect(ids == (0..<ids.count).map { $0 + 1 }, "no gap: a consistent prefix")
            #expect(ids.count >= beforeLogTail, "rows committed before the end of the backup: \(beforeLogTail), restored \(ids.count)")
            #expect(ids.count <= atEnd + 1, "rows committed after the backup ended are not there (\(ids.count) > \(atEnd))")
            #expect(ids.count < total)
            let configuration = try await target.succeed("db2 get db cfg for SAMPLE")
            #expect(configuration.contains("LOGARCHMETH1") && configuration.contains(target.mountPoint + "/ArchiveLogs"),
                    "archive logging is on for the restored database, into this instance's directory")
            try await target.checkUsable("SAMPLE", table: "ROWS")
            #expect(!FileManager.default.fileExists(atPath: target.backupDirectory))
            #expect(await source.daemon.stop() == 0)
            #expect(await target.daemon.stop() == 0)
        }

        @Test func aBackupMadeByTrovesOwnPipelineRestores() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance()
                try await session.insertRows(500, into: "SAMPLE", of: source)
                // Trove's DB2OnlineBackup runner, by hand: BACKUP ... ONLINE ... INCLUDE LOGS into the backup directory,
                // then `tar cPf - DIR | gzip | openssl enc -aes-256-cbc -salt -pass pass:K`, uploaded as Trove lays it out.
                let directory = source.backupDirectory
                try await source.succeed(
                    "mkdir -p '\(directory)' && db2 backup database SAMPLE online to '\(directory)' include logs >/dev/null")
                let stream = source.root.appendingPathComponent("trove-stream")
                try await source.succeed(
                    "tar cPf - '\(directory)' | gzip | openssl enc -aes-256-cbc -salt -pass pass:\(BackupTestInstance.aesKey) "
                        + "> '\(stream.path)'")
                let id = UUID().uuidString.lowercased()
                let object = "\(id).gz.enc"
                let checksum = try await session.swift.uploadAsTrove(
                    stream, container: session.container, object: object, segmentSize: 8192)
                let (token, storageURL) = try await session.swift.authenticate()
                let context = session.swift.context(token: token, storageURL: storageURL)

                let target = try await session.instance()
                try await target.start()
                let status = try await target.prepare(
                    databases: [],
                    backupInfo: [
                        "id": .string(id), "instance_id": .string(target.guestID),
                        "location": .string("\(storageURL)/\(session.container)/\(object)"), "type": "DB2OnlineBackup",
                        "checksum": .string(checksum),
                    ], context: context, conductor: session.conductor)
                #expect(status == "running")
                #expect(try await target.ids(in: "ROWS", database: "SAMPLE") == Array(1...500))
                try await target.checkUsable("SAMPLE", table: "ROWS")
            }
        }

        @Test func offlineBackupAndRestore() async throws {
            try await BackupTestSession.run { session in
                let offline = ["db2": ["backup_strategy": "DB2OfflineBackup"]]
                let source = try await session.preparedInstance(databases: ["SAMPLE", "ORDERS"], config: offline)
                try await session.insertRows(300, into: "SAMPLE", of: source)
                try await session.insertRows(40, into: "ORDERS", of: source)
                let context = try await session.context()
                let (id, end) = try await session.backup(source, context: context)
                #expect(session.states(id) == ["BUILDING", "COMPLETED"], "\(end)")
                #expect(end["backup_type"] == "DB2OfflineBackup")
                try await source.checkUsable("SAMPLE", table: "ROWS")  // unquiesced

                let target = try await session.instance(config: offline)
                try await target.start()
                let status = try await target.prepare(
                    databases: [], backupInfo: BackupTestSession.restoreInfo(id, end, for: target), context: context,
                    conductor: session.conductor)
                #expect(status == "running")
                #expect(try await target.ids(in: "ROWS", database: "SAMPLE") == Array(1...300))
                #expect(try await target.ids(in: "ROWS", database: "ORDERS") == Array(1...40))
                try await target.checkUsable("ORDERS", table: "ROWS")
            }
        }
    }
}
