import Foundation
import Logging
import ObjectStorage
import Testing
import TestSupport

/// LocalStorage as a ``WholeObjectStore``: nested directories under the container, a record beside each object.
@Suite struct LocalWholeObjectTests {
    func storage(in directory: URL) throws -> LocalStorage {
        try LocalStorage(
            directory: directory.appendingPathComponent("store").path,
            configuration: StorageConfiguration(container: "database_backups", chunkSize: 16 * 1024),
            logger: LocalStorageTests.logger)
    }

    @Test func putHeadListGetDeleteRoundTrip() async throws {
        try await withTemporaryDirectory { base in
            try await WholeObjectTesting.roundTrip(try storage(in: base), in: base)
        }
    }

    @Test func anExpiredObjectIsGone() async throws {
        try await withTemporaryDirectory { base in
            let store = try storage(in: base)
            try await WholeObjectTesting.expiry(store, in: base)
            #expect(try await store.list(under: WholeObjectTesting.prefix) == [])
        }
    }

    @Test func bytesChangedOnDiskAreDetectedOnGetAndNothingIsLeft() async throws {
        try await withTemporaryDirectory { base in
            let store = try storage(in: base)
            let bytes = testBytes(count: 70_000)
            let name = try WholeObjectTesting.logName("S0000012.LOG.gz.enc")
            let md5 = try await store.put(
                name, fromFile: try WholeObjectTesting.file(base, "log", bytes), metadata: [:], deleteAt: nil)
            // Same size, one byte different: only the MD5 can tell.
            let stored = base.appendingPathComponent("store/database_backups/" + name.description)
            var altered = bytes
            altered[40_000] ^= 0xff
            try Data(altered).write(to: stored)

            let restored = base.appendingPathComponent("restored")
            let error = await #expect(throws: ObjectStorageError.self) {
                _ = try await store.get(name, toFile: restored.path)
            }
            guard case .checksumMismatch(let object, let expected, _)? = error else {
                Issue.record("expected a checksum mismatch, got \(String(describing: error))")
                return
            }
            #expect(object.hasSuffix(name.description))
            #expect(expected == md5)
            #expect(!FileManager.default.fileExists(atPath: restored.path))
        }
    }

    /// A link planted where a directory of the store should be is never followed: nothing is written outside.
    @Test func aPlantedLinkIsNotFollowed() async throws {
        try await withTemporaryDirectory { base in
            let store = try storage(in: base)
            let outside = base.appendingPathComponent("outside")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            let container = base.appendingPathComponent("store/database_backups")
            try FileManager.default.createDirectory(at: container, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                at: container.appendingPathComponent("db2logs"), withDestinationURL: outside)
            let source = try WholeObjectTesting.file(base, "log", testBytes(count: 1000))
            let name = try WholeObjectTesting.logName("S0000012.LOG.gz.enc")

            await #expect(throws: ObjectStorageError.self) {
                _ = try await store.put(name, fromFile: source, metadata: [:], deleteAt: nil)
            }
            await #expect(throws: ObjectStorageError.self) { _ = try await store.list(under: WholeObjectTesting.prefix) }
            await #expect(throws: ObjectStorageError.self) { _ = try await store.head(name) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        }
    }

    @Test func badMetadataIsRefusedBeforeAnythingIsWritten() async throws {
        try await withTemporaryDirectory { base in
            let store = try storage(in: base)
            let source = try WholeObjectTesting.file(base, "log", testBytes(count: 10))
            let name = try WholeObjectTesting.logName("S0000012.LOG.gz.enc")
            for metadata in [["bad key": "x"], ["key": "line\nbreak"], ["key": String(repeating: "v", count: 257)]] {
                await #expect(throws: ObjectStorageError.self) {
                    _ = try await store.put(name, fromFile: source, metadata: metadata, deleteAt: nil)
                }
            }
            #expect(!FileManager.default.fileExists(atPath: base.appendingPathComponent("store").path))
        }
    }
}
