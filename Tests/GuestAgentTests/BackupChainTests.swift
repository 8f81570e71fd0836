import AgentSupport
import DB2
import Foundation
import GuestAgent
import TestSupport
import Testing

/// Backups with Trove's `parent`, against the fake DB2 (whose history records every backup it takes) and a local
/// store: which image each database gets, what the stored object says about its chain, and how a chain is restored.
@Suite struct BackupChainTests {
    /// The `update_backup` fields of a completed backup of `harness` with `parent`.
    private func backup(
        _ harness: BackupHarness, _ id: String, parent: (location: String, checksum: String)?, victoria: Bool = false
    ) async throws -> [String: JSONValue] {
        var info = harness.backupInfo(id)
        if let parent { info["parent"] = ["location": .string(parent.location), "checksum": .string(parent.checksum)] }
        if victoria { info["swift_url"] = "http://swift.example/v1/AUTH_t" }
        _ = try await harness.coordinator.createBackup(backupInfo: info, context: BackupHarness.context)
        return try #require(harness.finalUpdate(id))
    }

    private func link(_ fields: [String: JSONValue]) throws -> (location: String, checksum: String) {
        (try #require(fields["location"]?.stringValue), try #require(fields["checksum"]?.stringValue))
    }

    /// The stored object's metadata, as the local store keeps it beside the object.
    private func metadata(_ harness: BackupHarness, _ id: String) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: harness.storeDirectory + "/\(id).gz.enc"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["metadata"] as? [String: String])
    }

    @Test func childrenOfAChainAreDeltasOnTheirParentAndRestoreAsDb2sManualIncrementalRestore() async throws {
        try await withTemporaryDirectory { base in
            let store = base.appendingPathComponent("store")
            let source = try BackupHarness(
                root: base.appendingPathComponent("source"), databases: ["SAMPLE": BackupHarness.rows(2_000)],
                store: store)
            let full = try await backup(source, "b-1", parent: nil)
            #expect(full["backup_type"] == "DB2OnlineBackup")
            let first = try metadata(source, "b-1")
            #expect(first["db2_kind"] == "full" && first["parent_location"] == nil)
            #expect(first["db2_images"]?.hasPrefix("SAMPLE=") == true && first["db2_images"]?.hasSuffix("/full") == true)

            let delta = try await backup(source, "b-2", parent: try link(full))
            #expect(delta["state"] == "COMPLETED")
            #expect(delta["backup_type"] == "DB2OnlineBackupIncremental")
            let second = try metadata(source, "b-2")
            #expect(second["parent_location"] == full["location"]?.stringValue)
            #expect(second["parent_checksum"] == full["checksum"]?.stringValue)
            #expect(second["db2_kind"] == "delta")
            #expect(second["db2_root"] == full["location"]?.stringValue)
            #expect(second["datastore"] == "db2" && second["datastore_version"] == "11.5")
            #expect(source.db2.calls.contains("BACKUP SAMPLE ONLINE INCREMENTAL DELTA"), "\(source.db2.calls)")

            source.db2.setDatabase("SAMPLE", BackupHarness.rows(2_100))
            let latest = try await backup(source, "b-3", parent: try link(delta))
            #expect(try metadata(source, "b-3")["db2_root"] == full["location"]?.stringValue, "the root is carried down")

            let target = try BackupHarness(root: base.appendingPathComponent("target"), store: store)
            let (location, checksum) = try link(latest)
            try await target.coordinator.restore(
                backupInfo: ["id": "b-3", "location": .string(location), "type": "DB2OnlineBackupIncremental",
                             "checksum": .string(checksum)],
                context: BackupHarness.context)
            let stamps = try [first, second].map { meta -> String in
                let entry = try #require(meta["db2_images"])
                return String(entry.dropFirst("SAMPLE=".count).prefix(14))
            }
            #expect(target.db2.calls.contains("RESTORE INCREMENTAL SAMPLE \(stamps)"), "\(target.db2.calls)")
            #expect(target.db2.restored == ["SAMPLE": BackupHarness.rows(2_100)])
            #expect(!target.backupDirectoryExists)
        }
    }

    @Test func aBackupDb2TookBehindTheChainsBackMakesACumulativeIncrementalOrAFullNeverADeltaOnIt() async throws {
        try await withTemporaryDirectory { base in
            let source = try BackupHarness(
                root: base.appendingPathComponent("source"), databases: ["SAMPLE": BackupHarness.rows(500)])
            let full = try await backup(source, "b-1", parent: nil)
            let delta = try await backup(source, "b-2", parent: try link(full))
            #expect(try metadata(source, "b-2")["db2_kind"] == "delta")

            // An out-of-band delta (to /dev/null): a delta now would build on it; the chain's full is still Db2's.
            source.db2.recordOutOfBandBackup(of: "SAMPLE", kind: .delta)
            let cumulative = try await backup(source, "b-3", parent: try link(delta))
            #expect(try metadata(source, "b-3")["db2_kind"] == "incremental")
            #expect(source.db2.calls.last(where: { $0.hasPrefix("BACKUP") }) == "BACKUP SAMPLE ONLINE INCREMENTAL")
            #expect(cumulative["backup_type"] == "DB2OnlineBackupIncremental")

            // An out-of-band full: nothing in the chain is Db2's base any more.
            source.db2.recordOutOfBandBackup(of: "SAMPLE", kind: .full)
            let fallback = try await backup(source, "b-4", parent: try link(cumulative))
            #expect(fallback["backup_type"] == "DB2OnlineBackup", "a fallback to full is reported full")
            #expect(try metadata(source, "b-4")["db2_kind"] == "full")
            #expect(try metadata(source, "b-4")["parent_location"] == cumulative["location"]?.stringValue)
            #expect(source.logs.contains("is not in the parent's chain"), "the log says why")
        }
    }

    @Test func victoriaShapedRequestsAreTypedFullOrIncremental() async throws {
        try await withTemporaryDirectory { base in
            let source = try BackupHarness(
                root: base.appendingPathComponent("source"), databases: ["SAMPLE": BackupHarness.rows(100)])
            let full = try await backup(source, "b-1", parent: nil, victoria: true)
            #expect(full["backup_type"] == "full")
            let child = try await backup(source, "b-2", parent: try link(full), victoria: true)
            #expect(child["backup_type"] == "incremental")
        }
    }

    @Test func aMissingOrAlteredParentFailsTheBackupNamingIt() async throws {
        try await withTemporaryDirectory { base in
            let source = try BackupHarness(
                root: base.appendingPathComponent("source"), databases: ["SAMPLE": BackupHarness.rows(100)])
            let full = try await backup(source, "b-1", parent: nil)
            let (location, checksum) = try link(full)

            let wrong = try await backup(source, "b-2", parent: (location, String(repeating: "0", count: 32)))
            #expect(wrong["state"] == "FAILED")
            let wrongNote = try #require(wrong["note"]?.stringValue)
            #expect(wrongNote.contains("the parent backup \(location) cannot be used"), "\(wrongNote)")

            let missing = location.replacingOccurrences(of: "b-1.gz.enc", with: "gone.gz.enc")
            let lost = try await backup(source, "b-3", parent: (missing, checksum))
            #expect(lost["state"] == "FAILED")
            #expect(lost["note"]?.stringValue?.contains(missing) == true, "\(String(describing: lost["note"]))")
            #expect(!source.storedNames().contains("b-2.gz.enc") && !source.storedNames().contains("b-3.gz.enc"))
        }
    }

    @Test func aChainWithADeletedMiddleLinkIsRefusedBeforeAnyDatabaseIsTouched() async throws {
        try await withTemporaryDirectory { base in
            let store = base.appendingPathComponent("store")
            let source = try BackupHarness(
                root: base.appendingPathComponent("source"), databases: ["SAMPLE": BackupHarness.rows(100)],
                store: store)
            let full = try await backup(source, "b-1", parent: nil)
            let delta = try await backup(source, "b-2", parent: try link(full))
            let latest = try await backup(source, "b-3", parent: try link(delta))
            for name in source.storedNames() where name.hasPrefix("b-2") {
                try FileManager.default.removeItem(atPath: source.storeDirectory + "/" + name)
            }
            let target = try BackupHarness(root: base.appendingPathComponent("target"), store: store)
            let (location, checksum) = try link(latest)
            await #expect(throws: (any Error).self) {
                try await target.coordinator.restore(
                    backupInfo: ["id": "b-3", "location": .string(location), "type": "DB2OnlineBackupIncremental",
                                 "checksum": .string(checksum)],
                    context: BackupHarness.context)
            }
            #expect(!target.db2.calls.contains { $0.hasPrefix("RESTORE") }, "\(target.db2.calls)")
            #expect(target.logs.contains("b-2.gz.enc") && target.logs.contains("missing"), "\(target.logs.lines)")
        }
    }
}
