import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// Incremental and delta backups through Trove's `parent`, end to end: Trove's taskmanager and conductor (real
    /// oslo.messaging) over RabbitMQ, the agent on the DB2 stand-in (which keeps Db2's history and takes images that
    /// hold only the changed data), a real Swift; each point restored into a fresh guest through `prepare`.
    @Suite(.needsServices) struct IncrementalBackupTests {
        /// Inserts rows `range` into `ROWS` of `database`.
        private func insert(_ range: ClosedRange<Int>, into database: String, of instance: BackupTestInstance) async throws {
            let values = range.map { "(\($0))" }.joined(separator: ",")
            try await instance.succeed("db2 connect to \(database) >/dev/null && db2 \"insert into ROWS values \(values)\" >/dev/null")
        }

        /// The kind of each database's image, as the object's metadata index says (`NAME=TS/kind[@BASE]`).
        private func kinds(_ metadata: [String: String]) -> [String: String] {
            var kinds: [String: String] = [:]
            for (key, value) in metadata where key.hasPrefix("db2-images") {
                for entry in value.split(separator: ",") {
                    let parts = entry.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2, let slash = parts[1].firstIndex(of: "/") else { continue }
                    kinds[String(parts[0])] = String(parts[1][parts[1].index(after: slash)...].prefix { $0 != "@" })
                }
            }
            return kinds
        }

        /// Restores the backup that ended with `end` into a fresh guest; returns prepare's outcome and the guest.
        private func restore(
            _ session: BackupTestSession, _ id: String, _ end: [String: JSONValue], context: [String: JSONValue]
        ) async throws -> (status: String, guest: BackupTestInstance) {
            let target = try await session.instance()
            try await target.start()
            let status = try await target.prepare(
                databases: [], backupInfo: BackupTestSession.restoreInfo(id, end, for: target), context: context,
                conductor: session.conductor)
            return (status, target)
        }

        @Test func fullDeltaDeltaIncrementalDeltaEachRestoresExactlyTheRowsItsBackupHeld() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance()
                let context = try await session.context()
                try await insert(1...300, into: "SAMPLE", of: source)
                let full = try await session.backup(source, context: context)
                #expect(full.end["state"] == "COMPLETED" && full.end["backup_type"] == "DB2OnlineBackup")

                try await insert(301...350, into: "SAMPLE", of: source)
                let delta1 = try await session.backup(source, context: context, parent: BackupTestSession.parent(full.end))
                #expect(delta1.end["backup_type"] == "DB2OnlineBackupIncremental", "\(delta1.end)")
                let meta1 = try await session.swift.metadata(container: session.container, object: "\(delta1.id).gz.enc")
                #expect(meta1["parent-location"] == full.end["location"]?.stringValue)
                #expect(meta1["parent-checksum"] == full.end["checksum"]?.stringValue)
                #expect(meta1["datastore"] == "db2" && meta1["datastore-version"] == "11.5")
                #expect(meta1["db2-kind"] == "delta" && meta1["db2-root"] == full.end["location"]?.stringValue)
                let isSLO = try await session.swift.head(container: session.container, object: "\(delta1.id).gz.enc").isSLO
                #expect(isSLO, "the metadata is on the SLO manifest")

                // A database created between backups goes in as a full image.
                try await source.succeed(
                    "db2 create database APP2 >/dev/null && db2 connect to APP2 >/dev/null && db2 \"create table ROWS (id integer not null)\" >/dev/null")
                try await insert(1...40, into: "APP2", of: source)
                try await insert(351...380, into: "SAMPLE", of: source)
                let delta2 = try await session.backup(source, context: context, parent: BackupTestSession.parent(delta1.end))
                #expect(delta2.end["state"] == "COMPLETED", "\(delta2.end)")
                let meta2 = try await session.swift.metadata(container: session.container, object: "\(delta2.id).gz.enc")
                #expect(kinds(meta2) == ["SAMPLE": "delta", "APP2": "full"], "\(meta2)")

                // An operator's delta to /dev/null: a delta now would build on an image the store lacks.
                try await insert(381...390, into: "SAMPLE", of: source)
                try await source.succeed("db2 backup database SAMPLE online incremental delta to /dev/null >/dev/null")
                let cumulative = try await session.backup(
                    source, context: context, parent: BackupTestSession.parent(delta2.end))
                let meta3 = try await session.swift.metadata(container: session.container, object: "\(cumulative.id).gz.enc")
                #expect(kinds(meta3) == ["SAMPLE": "incremental", "APP2": "delta"], "\(meta3)")

                try await insert(391...400, into: "SAMPLE", of: source)
                try await insert(41...50, into: "APP2", of: source)
                let delta3 = try await session.backup(
                    source, context: context, parent: BackupTestSession.parent(cumulative.end))
                let meta4 = try await session.swift.metadata(container: session.container, object: "\(delta3.id).gz.enc")
                #expect(kinds(meta4) == ["SAMPLE": "delta", "APP2": "delta"], "\(meta4)")
                let fullSize = full.end["size"]?.doubleValue ?? 0
                #expect(fullSize > 0)

                let points: [(String, [String: JSONValue], sample: Int, app2: Int?)] = [
                    (full.id, full.end, 300, nil), (delta1.id, delta1.end, 350, nil), (delta2.id, delta2.end, 380, 40),
                    (cumulative.id, cumulative.end, 390, 40), (delta3.id, delta3.end, 400, 50),
                ]
                for (id, end, sample, app2) in points {
                    let (status, guest) = try await restore(session, id, end, context: context)
                    #expect(status == "running", "restore of \(end["backup_type"] ?? "?") \(id)")
                    #expect(try await guest.ids(in: "ROWS", database: "SAMPLE") == Array(1...sample))
                    if let app2 {
                        #expect(try await guest.ids(in: "ROWS", database: "APP2") == Array(1...app2))
                    }
                    try await guest.checkUsable("SAMPLE", table: "ROWS")
                    #expect(await guest.daemon.stop() == 0)
                }
            }
        }

        @Test func aParentOfTrovesOwnAgentABrokenChainAndABadParentAreHandledClearly() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance()
                let context = try await session.context()
                try await insert(1...100, into: "SAMPLE", of: source)
                // A parent as Trove's Python agent stores it: an SLO without any metadata.
                let directory = source.backupDirectory
                try await source.succeed(
                    "mkdir -p '\(directory)' && db2 backup database SAMPLE online to '\(directory)' include logs >/dev/null")
                let stream = source.root.appendingPathComponent("trove-stream")
                try await source.succeed(
                    "tar cPf - '\(directory)' | gzip | openssl enc -aes-256-cbc -salt -pass pass:\(BackupTestInstance.aesKey) "
                        + "> '\(stream.path)' && rm -rf '\(directory)'")
                let troveID = UUID().uuidString.lowercased()
                let troveChecksum = try await session.swift.uploadAsTrove(
                    stream, container: session.container, object: "\(troveID).gz.enc", segmentSize: 8192)
                let (_, storageURL) = try await session.swift.authenticate()
                let troveLocation = "\(storageURL)/\(session.container)/\(troveID).gz.enc"

                try await insert(101...120, into: "SAMPLE", of: source)
                let child = try await session.backup(
                    source, context: context,
                    parent: ["location": .string(troveLocation), "checksum": .string(troveChecksum)])
                #expect(child.end["state"] == "COMPLETED", "\(child.end)")
                #expect(child.end["backup_type"] == "DB2OnlineBackup", "a parent without an index: a full, reported full")
                let childMeta = try await session.swift.metadata(container: session.container, object: "\(child.id).gz.enc")
                #expect(childMeta["parent-location"] == troveLocation && childMeta["db2-kind"] == "full")
                let (status, guest) = try await restore(session, child.id, child.end, context: context)
                #expect(status == "running")
                #expect(try await guest.ids(in: "ROWS", database: "SAMPLE") == Array(1...120))

                // A wrong parent checksum fails the backup, naming the parent; nothing is left in the store.
                let wrong = try await session.backup(
                    source, context: context,
                    parent: ["location": child.end["location"] ?? nil, "checksum": .string(String(repeating: "0", count: 32))])
                #expect(wrong.end["state"] == "FAILED")
                #expect(wrong.end["note"]?.stringValue?.contains("parent backup") == true, "\(wrong.end)")
                #expect(try await session.storedObjects(of: wrong.id).isEmpty)

                // A chain whose middle link was deleted: the restore is refused before anything is restored.
                let delta1 = try await session.backup(source, context: context, parent: BackupTestSession.parent(child.end))
                try await insert(121...130, into: "SAMPLE", of: source)
                let delta2 = try await session.backup(source, context: context, parent: BackupTestSession.parent(delta1.end))
                #expect(delta2.end["backup_type"] == "DB2OnlineBackupIncremental")
                _ = try await session.swift.swiftclient(
                    """
                    from swiftclient import client
                    url, token = client.get_auth(AUTH, USER, KEY)
                    client.delete_object(url, token, ARGS[0], ARGS[1], query_string="multipart-manifest=delete")
                    """, [session.container, "\(delta1.id).gz.enc"])
                let (broken, target) = try await restore(session, delta2.id, delta2.end, context: context)
                #expect(broken == "failed to spawn")
                let connect = try await target.shell("db2 connect to SAMPLE")
                #expect(!connect.succeeded, "no database was restored: \(connect.stdout)")
            }
        }
    }
}
