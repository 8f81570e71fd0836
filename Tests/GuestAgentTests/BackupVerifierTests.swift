import AgentSupport
import DB2
import Foundation
import GuestAgent
import Logging
import ObjectStorage
import OsloRPC
import TestSupport
import Testing

/// `verify` against the fake DB2 and a local store: a full backup and two deltas on it, then the store damaged in
/// the ways a chain breaks; what the lines, the verdict and the work directory show.
@Suite struct BackupVerifierTests {
    /// A full backup `b-1`, a delta `b-2` on it and a delta `b-3` on that, in the harness's local store.
    struct Chain {
        let harness: BackupHarness
        let base: URL
        /// Location and checksum of b-1, b-2, b-3.
        let backups: [(location: String, checksum: String)]

        init(in base: URL) async throws {
            self.base = base
            harness = try BackupHarness(root: base.appendingPathComponent("guest"), databases: ["SAMPLE": BackupHarness.rows(2_000)])
            var backups: [(location: String, checksum: String)] = []
            for (number, id) in ["b-1", "b-2", "b-3"].enumerated() {
                harness.db2.setDatabase("SAMPLE", BackupHarness.rows(2_000 + number * 100))
                var info = harness.backupInfo(id)
                if let parent = backups.last {
                    info["parent"] = ["location": .string(parent.location), "checksum": .string(parent.checksum)]
                }
                try await harness.coordinator.createBackup(backupInfo: info, context: BackupHarness.context)
                let done = try #require(harness.finalUpdate(id))
                guard done["state"] == "COMPLETED", let location = done["location"]?.stringValue,
                    let checksum = done["checksum"]?.stringValue
                else { throw FakeDB2.Failure(description: "backup \(id) did not complete: \(done)") }
                backups.append((location, checksum))
            }
            self.backups = backups
        }

        var workDirectory: String { base.appendingPathComponent("work").path }

        /// The harness's store, checksums checked.
        func storage() throws -> LocalStorage {
            var configuration = harness.settings.storage.configuration
            configuration.verifyChecksumOnLoad = true
            return try LocalStorage(
                directory: harness.settings.storage.localPath, configuration: configuration, logger: Logger(label: "test"))
        }

        /// A verifier over the harness's store, with a DB2 of its own (nothing of the guest's is touched).
        func verifier(db2: FakeDB2 = FakeDB2()) throws -> BackupVerifier {
            BackupVerifier(
                storage: try storage(), database: db2, unpack: harness.settings.unpack, workDirectory: workDirectory,
                ownedLike: harness.settings.mountPoint, logger: Logger(label: "test"))
        }

        /// Verifies `backup` (0-based) with its checksum; returns the result and the lines reported as they came.
        func verify(_ backup: Int, checksum: String? = nil, db2: FakeDB2 = FakeDB2()) async throws
            -> (result: ChainVerification, lines: [String])
        {
            var lines: [String] = []
            let result = try await verifier(db2: db2).verify(
                location: backups[backup].location, checksum: checksum ?? backups[backup].checksum
            ) { lines.append($0.line) }
            return (result, lines)
        }

        /// The local store's file of `name`.
        func storeFile(_ name: String) -> URL {
            URL(fileURLWithPath: harness.storeDirectory).appendingPathComponent(name)
        }
    }

    @Test func aWholeChainHoldsOneLinePerObjectFromTheNamedBackupToTheFirst() async throws {
        try await withTemporaryDirectory { base in
            let chain = try await Chain(in: base)
            let db2 = FakeDB2()
            let (result, lines) = try await chain.verify(2, db2: db2)
            #expect(result.held, "\(lines)")
            #expect(result.objects.map(\.location) == chain.backups.reversed().map(\.location))
            #expect(result.objects.map(\.index) == [.chain(.delta), .chain(.delta), .chain(.full)])
            #expect(lines.count == 3)
            #expect(lines.allSatisfy { $0.hasPrefix("OK") })
            #expect(lines[0].contains(chain.backups[2].location) && lines[0].contains("[delta]") && lines[0].contains("SAMPLE"))
            #expect(lines[2].contains("[full]"))
            #expect(result.verdict.hasPrefix("verdict: OK: all 3 backups"), "\(result.verdict)")
            #expect(db2.calls == ["db2ckbkp SAMPLE", "db2ckbkp SAMPLE", "db2ckbkp SAMPLE"], "db2ckbkp on every image, nothing else")
            #expect(!FileManager.default.fileExists(atPath: chain.workDirectory), "the work directory is removed")
        }
    }

    @Test func aMissingParentIsAFailedLineNamingIt() async throws {
        try await withTemporaryDirectory { base in
            let chain = try await Chain(in: base)
            try await chain.storage().delete(location: chain.backups[0].location)
            let (result, lines) = try await chain.verify(2)
            #expect(!result.held)
            #expect(lines.count == 3, "\(lines)")
            #expect(lines[0].hasPrefix("OK") && lines[1].hasPrefix("OK"))
            let missing = try #require(result.objects.last)
            #expect(missing.location == chain.backups[0].location)
            #expect(missing.index == .unread)
            #expect(lines[2].hasPrefix("FAILED") && lines[2].contains("is missing"), "\(lines[2])")
            #expect(result.verdict.hasPrefix("verdict: FAILED: 1 of 3 backups") && result.verdict.hasSuffix(chain.backups[0].location))
            #expect(!FileManager.default.fileExists(atPath: chain.workDirectory))
        }
    }

    @Test func aFlippedByteInAMiddleLinkFailsThatLinkOnlyNamingTheSegment() async throws {
        try await withTemporaryDirectory { base in
            let chain = try await Chain(in: base)
            let segment = chain.storeFile("b-2_00000000")
            var bytes = try Data(contentsOf: segment)
            bytes[bytes.count / 2] ^= 0x01
            try bytes.write(to: segment)
            let (result, lines) = try await chain.verify(2)
            #expect(!result.held)
            #expect(result.objects.map(\.held) == [true, false, true], "\(lines)")
            #expect(lines[1].hasPrefix("FAILED") && lines[1].contains(chain.backups[1].location))
            #expect(lines[1].contains("b-2_00000000") && lines[1].contains("corrupt"), "\(lines[1])")
            #expect(result.verdict.contains("1 of 3 backups") && result.verdict.hasSuffix(chain.backups[1].location))
        }
    }

    @Test func aChecksumThatDoesNotMatchIsRefusedBeforeAnythingElse() async throws {
        try await withTemporaryDirectory { base in
            let chain = try await Chain(in: base)
            let db2 = FakeDB2()
            let (result, lines) = try await chain.verify(2, checksum: String(repeating: "0", count: 32), db2: db2)
            #expect(!result.held)
            #expect(lines.count == 1, "\(lines)")
            #expect(lines[0].hasPrefix("FAILED") && lines[0].contains("does not match the checksum given"), "\(lines[0])")
            #expect(db2.calls.isEmpty, "nothing downloaded, nothing checked")
        }
    }

    @Test func aDamagedImageFailsItsObjectWithDb2ckbkpsWords() async throws {
        try await withTemporaryDirectory { base in
            let chain = try await Chain(in: base)
            let db2 = FakeDB2()
            db2.failVerification(with: "Image Verification Complete - ERRORS DETECTED: 1")
            let (result, lines) = try await chain.verify(0, db2: db2)
            #expect(!result.held)
            #expect(lines.count == 1)
            #expect(lines[0].hasPrefix("FAILED") && lines[0].contains("db2ckbkp of SAMPLE") && lines[0].contains("ERRORS DETECTED"),
                    "\(lines[0])")
        }
    }

    @Test func aBackupWithoutTheIndexIsVerifiedAsOneFullObjectAndItsChildrenCannotBuildOnIt() async throws {
        try await withTemporaryDirectory { base in
            let chain = try await Chain(in: base)
            // b-1's metadata loses the agent's keys (as a backup of Trove's own agent has none).
            let manifest = chain.storeFile("b-1.gz.enc")
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifest)) as? [String: Any])
            let metadata = try #require(object["metadata"] as? [String: String])
            object["metadata"] = metadata.filter { !$0.key.hasPrefix("db2_") }
            try JSONSerialization.data(withJSONObject: object).write(to: manifest)

            let (alone, aloneLines) = try await chain.verify(0)
            #expect(alone.held, "\(aloneLines)")
            #expect(aloneLines.count == 1 && aloneLines[0].contains("[full, no chain index]") && aloneLines[0].contains("SAMPLE"),
                    "\(aloneLines)")

            let (result, lines) = try await chain.verify(2)
            #expect(!result.held, "the deltas build on an image only the index named")
            #expect(lines.count == 5, "three objects, then the two deltas that cannot be restored: \(lines)")
            #expect(lines.prefix(3).allSatisfy { $0.hasPrefix("OK") })
            #expect(lines[3].hasPrefix("FAILED") && lines[3].contains(chain.backups[2].location)
                    && lines[3].contains("cannot be restored from the chain"), "\(lines[3])")
        }
    }

    @Test func anInterruptedVerificationSaysSoAndRemovesItsWorkDirectory() async throws {
        try await withTemporaryDirectory { base in
            let chain = try await Chain(in: base)
            let db2 = FakeDB2()
            let gate = db2.holdVerification()
            let verifier = try chain.verifier(db2: db2)
            let location = chain.backups[2].location
            let task = Task { await verifier.verify(location: location, checksum: nil) }
            await gate.reached.wait()
            #expect(FileManager.default.fileExists(atPath: chain.workDirectory + "/object"), "the first object is unpacked")
            task.cancel()
            let result = await task.value
            #expect(result.interrupted && !result.held)
            #expect(result.objects.isEmpty, "the object cut short is not reported as failed: \(result.objects)")
            #expect(result.verdict.hasPrefix("verdict: INTERRUPTED"), "\(result.verdict)")
            #expect(!FileManager.default.fileExists(atPath: chain.workDirectory), "the work directory is removed")
        }
    }
}
