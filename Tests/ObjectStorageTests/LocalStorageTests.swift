import AgentSupport
import CryptoPrimitives
import Foundation
import Logging
import ObjectStorage
import TestSupport
import Testing

/// LocalStorage: the same segments, manifest and checksums as Swift, in a directory.
@Suite struct LocalStorageTests {
    static let logger = Logger(label: "local-storage-tests")

    func storage(in directory: URL, segmentSize: Int64 = 64 * 1024) throws -> LocalStorage {
        try LocalStorage(
            directory: directory.path,
            configuration: StorageConfiguration(
                container: "database_backups", segmentSize: segmentSize, chunkSize: 16 * 1024,
                metadata: ["datastore": "db2", "datastore_version": "11.1"]),
            logger: Self.logger)
    }

    func files(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("database_backups").path)
            .sorted()
    }

    @Test func multiSegmentRoundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let storage = try storage(in: directory)
            let data = testBytes(count: 300 * 1024 + 17)
            let events = EventLog()
            let stored = try await storage.save(
                objectName: "b1.gz.enc", from: MemorySource(data, chunkSize: 10_000), metadata: [:],
                progress: events.record)

            #expect(stored.size == Int64(data.count))
            #expect(stored.segments.map(\.name) == (0..<5).map { "b1_0000000\($0)" })
            #expect(stored.segments.dropLast().allSatisfy { $0.size == 64 * 1024 })
            let md5s = try (0..<5).map { index in
                try MD5Hasher.hexDigest(of: data[(index * 65536)..<min((index + 1) * 65536, data.count)])
            }
            #expect(stored.segments.map(\.md5) == md5s)
            #expect(stored.checksum == (try MD5Hasher.hexDigest(of: Array(md5s.joined().utf8))))
            #expect(stored.location == "file://\(directory.path)/database_backups/b1.gz.enc")
            #expect(try files(directory) == ["b1.gz.enc"] + stored.segments.map(\.name))

            let manifest = try JSONSerialization.jsonObject(
                with: Data(contentsOf: directory.appendingPathComponent("database_backups/b1.gz.enc"))) as? [String: Any]
            let entries = manifest?["segments"] as? [[String: Any]] ?? []
            #expect(entries.first?["path"] as? String == "/database_backups/b1_00000000")
            #expect(entries.first?["etag"] as? String == md5s[0])
            #expect((manifest?["metadata"] as? [String: String])?["datastore_version"] == "11.1")

            try await expectLoadsBack(stored, from: storage, equalTo: data, container: "database_backups")

            let info = try await storage.info(location: stored.location, expectedChecksum: stored.checksum)
            #expect(info.metadata == ["datastore": "db2", "datastore_version": "11.1"])
            #expect(info.size == Int64(data.count))
        }
    }

    @Test func streamEndingAtABoundaryGetsNoEmptySegment() async throws {
        try await withTemporaryDirectory { directory in
            let data = testBytes(count: 2 * 64 * 1024)
            let stored = try await storage(in: directory).save(
                objectName: "b2.gz", from: MemorySource(data), metadata: [:], progress: { _ in })
            #expect(stored.segments.map(\.size) == [65536, 65536])
        }
    }

    @Test func singleSegmentChecksumIsThatSegmentsMD5AndEmptyStreamsAreStored() async throws {
        try await withTemporaryDirectory { directory in
            let storage = try storage(in: directory)
            let data = testBytes(count: 1000)
            let single = try await storage.save(objectName: "s.enc", from: MemorySource(data), metadata: [:]) { _ in }
            #expect(single.checksum == (try MD5Hasher.hexDigest(of: data)))
            #expect(single.segments.count == 1)

            let empty = try await storage.save(objectName: "e", from: MemorySource([]), metadata: [:]) { _ in }
            #expect(empty.checksum == "d41d8cd98f00b204e9800998ecf8427e")
            #expect(empty.size == 0)
            let sink = CollectingSink()
            #expect(try await storage.load(location: empty.location, expectedChecksum: empty.checksum, into: sink) { _ in } == 0)
            #expect(sink.isFinished)
        }
    }

    @Test func aFlippedByteInASegmentIsDetectedAndNamed() async throws {
        try await withTemporaryDirectory { directory in
            let storage = try storage(in: directory)
            let data = testBytes(count: 200 * 1024)
            let stored = try await storage.save(objectName: "c.gz.enc", from: MemorySource(data), metadata: [:]) { _ in }
            let segment = directory.appendingPathComponent("database_backups/c_00000002")
            var bytes = try Data(contentsOf: segment)
            bytes[100] ^= 0x01
            try bytes.write(to: segment)

            let sink = CollectingSink()
            do {
                _ = try await storage.load(location: stored.location, expectedChecksum: stored.checksum, into: sink) { _ in }
                Issue.record("a corrupted segment was loaded")
            } catch ObjectStorageError.segmentChecksumMismatch(let name, let expected, _) {
                #expect(name == "database_backups/c_00000002")
                #expect(expected == stored.segments[2].md5)
            }
            #expect(!sink.isFinished)
        }
    }

    @Test func segmentsReadInPartsComeBackWhole() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = try storage(in: directory).configuration
            configuration.downloadPartSize = 10_000
            configuration.downloadParallelism = 3
            let storage = try LocalStorage(directory: directory.path, configuration: configuration, logger: Self.logger)
            let data = testBytes(count: 3 * 64 * 1024 + 333)
            let stored = try await storage.save(objectName: "p.gz.enc", from: MemorySource(data), metadata: [:]) { _ in }
            #expect(stored.segments.count == 4)
            try await expectLoadsBack(stored, from: storage, equalTo: data, container: "database_backups")
        }
    }

    @Test func swappedSegmentsAreNamedBeforeAnyOfTheirBytesIsUsed() async throws {
        try await withTemporaryDirectory { directory in
            let storage = try storage(in: directory)
            let data = testBytes(count: 4 * 64 * 1024)
            let stored = try await storage.save(objectName: "s.gz.enc", from: MemorySource(data), metadata: [:]) { _ in }
            let first = directory.appendingPathComponent("database_backups/s_00000001")
            let second = directory.appendingPathComponent("database_backups/s_00000002")
            let firstBytes = try Data(contentsOf: first)
            try Data(contentsOf: second).write(to: first)
            try firstBytes.write(to: second)

            let sink = CollectingSink()
            do {
                _ = try await storage.load(location: stored.location, expectedChecksum: stored.checksum, into: sink) { _ in }
                Issue.record("swapped segments were loaded")
            } catch ObjectStorageError.segmentChecksumMismatch(let name, let expected, let actual) {
                #expect(name == "database_backups/s_00000001")
                #expect(expected == stored.segments[1].md5)
                #expect(actual == stored.segments[2].md5)
            }
            let used = sink.bytes
            #expect(used.count == 64 * 1024, "the segment before the swapped ones was used, and no byte of them")
            #expect(used.elementsEqual(data.prefix(used.count)))
            #expect(!sink.isFinished)
        }
    }

    @Test func aTruncatedSegmentOrAWrongChecksumIsAnError() async throws {
        try await withTemporaryDirectory { directory in
            let storage = try storage(in: directory)
            let stored = try await storage.save(
                objectName: "t.gz.enc", from: MemorySource(testBytes(count: 150 * 1024)), metadata: [:]) { _ in }
            let sink = CollectingSink()
            await #expect {
                _ = try await storage.load(location: stored.location, expectedChecksum: "0" + stored.checksum.dropFirst(), into: sink) { _ in }
            } throws: { error in
                guard case ObjectStorageError.checksumMismatch = error else { return false }
                return true
            }
            #expect(sink.bytes.isEmpty, "nothing is written before the checksum is confirmed")

            let segment = directory.appendingPathComponent("database_backups/t_00000001")
            try Data(try Data(contentsOf: segment).prefix(1000)).write(to: segment)
            await #expect {
                _ = try await storage.load(location: stored.location, expectedChecksum: stored.checksum, into: CollectingSink()) { _ in }
            } throws: { error in
                guard case ObjectStorageError.segmentSizeMismatch(let name, 65536, 1000) = error else { return false }
                return name == "database_backups/t_00000001"
            }
        }
    }

    @Test func aFailingSourceLeavesNothingBehind() async throws {
        struct SourceBroke: Error {}
        try await withTemporaryDirectory { directory in
            let storage = try storage(in: directory)
            let source = MemorySource(testBytes(count: 400 * 1024)) { offset in
                if offset >= 200 * 1024 { throw SourceBroke() }
            }
            await #expect(throws: SourceBroke.self) {
                _ = try await storage.save(objectName: "f.gz.enc", from: source, metadata: [:]) { _ in }
            }
            #expect(try files(directory) == [])
        }
    }

    @Test func cancellingASaveStopsReadingAndLeavesNothing() async throws {
        try await withTemporaryDirectory { directory in
            let storage = try storage(in: directory)
            let gate = TestGate()
            let events = EventLog()
            let source = MemorySource(testBytes(count: 400 * 1024)) { offset in
                if offset >= 150 * 1024 { gate.wait() }
            }
            let save = Task {
                try await storage.save(objectName: "x.gz.enc", from: source, metadata: [:], progress: events.record)
            }
            let stored = await AgentSupport.BlockingThreadPool.shared.run {
                events.wait { _ in events.storedCount >= 1 }
            }
            #expect(stored)
            save.cancel()
            gate.open()
            await #expect {
                _ = try await save.value
            } throws: { error in
                guard case ObjectStorageError.cancelled = error else { return false }
                return true
            }
            #expect(try files(directory) == [])
        }
    }

    @Test func deletePartialUploadRemovesSegmentsTemporariesAndManifestOnly() async throws {
        try await withTemporaryDirectory { directory in
            let storage = try storage(in: directory)
            let other = try await storage.save(
                objectName: "keep.gz.enc", from: MemorySource(testBytes(count: 100_000)), metadata: [:]) { _ in }
            let folder = directory.appendingPathComponent("database_backups")
            // What a crash mid-upload leaves: finished segments, a temporary one, and maybe the manifest.
            for name in ["p_00000000", "p_00000001", ".p_00000002.partial-1234abcd", "p.gz.enc", "p_extra"] {
                try Data([1, 2, 3]).write(to: folder.appendingPathComponent(name))
            }
            let deleted = try await storage.deletePartialUpload(objectName: "p.gz.enc")
            #expect(deleted == [".p_00000002.partial-1234abcd", "p.gz.enc", "p_00000000", "p_00000001"])
            #expect(try files(directory) == ["keep.gz.enc", "keep_00000000", "keep_00000001", "p_extra"])
            #expect(try await storage.deletePartialUpload(objectName: "p.gz.enc") == [])

            try await storage.delete(location: other.location)
            #expect(try files(directory) == ["p_extra"])
        }
    }

    @Test func badNamesAndLocationsAreRefused() async throws {
        try await withTemporaryDirectory { directory in
            let storage = try storage(in: directory)
            await #expect(throws: ObjectStorageError.self) {
                _ = try await storage.save(objectName: ".hidden", from: MemorySource([1]), metadata: [:]) { _ in }
            }
            await #expect(throws: ObjectStorageError.self) {
                _ = try await storage.save(objectName: "a/b", from: MemorySource([1]), metadata: [:]) { _ in }
            }
            await #expect(throws: ObjectStorageError.self) {
                _ = try await storage.load(location: "http://x/c/o", expectedChecksum: nil, into: CollectingSink()) { _ in }
            }
            #expect(throws: ObjectStorageError.self) {
                _ = try LocalStorage(directory: "relative/path", logger: Self.logger)
            }
        }
    }
    struct Escape: CustomTestStringConvertible, Sendable {
        var label: String
        var testDescription: String { label }
    }

    static let escapes = [
        "segment object with '..'", "segment container '..'", "segment container '.'", "symbolic link as segment",
        "symbolic link as container", "location outside the store", "location with '..'",
        "location with percent-encoded '..'",
    ].map(Escape.init)

    /// A manifest (or a location) naming a file outside the store is refused, whatever the path trick: nothing
    /// of the outside file is read, and deleting the backup does not delete it.
    @Test(arguments: escapes)
    func aManifestOrLocationLeavingTheStoreIsRefused(_ escape: Escape) async throws {
        try await withTemporaryDirectory { base in
            let store = base.appendingPathComponent("store")
            let storage = try storage(in: store)
            let real = try await storage.save(objectName: "real.gz.enc", from: MemorySource([1, 2, 3]), metadata: [:]) { _ in }
            let folder = store.appendingPathComponent("database_backups")
            // The file the manifest tries to reach, laid out like a store so that a manifest there would work.
            let outside = base.appendingPathComponent("outside/database_backups")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            let secret = Array("root:x:0:0:root:/root:/bin/bash\n".utf8)
            try Data(secret).write(to: outside.appendingPathComponent("secret"))
            var manifestDirectory = folder
            var location = "file://\(folder.path)/evil.gz.enc"
            let segmentPath: String
            switch escape.label {
            case "segment object with '..'": segmentPath = "/database_backups/../../outside/database_backups/secret"
            case "segment container '..'": segmentPath = "/../outside/database_backups/secret"
            case "segment container '.'": segmentPath = "/./../outside/database_backups/secret"
            case "symbolic link as segment":
                try FileManager.default.createSymbolicLink(
                    at: folder.appendingPathComponent("evil_00000000"), withDestinationURL: outside.appendingPathComponent("secret"))
                segmentPath = "/database_backups/evil_00000000"
            case "symbolic link as container":
                try FileManager.default.createSymbolicLink(at: store.appendingPathComponent("linked"), withDestinationURL: outside)
                segmentPath = "/linked/secret"
            case "location outside the store":
                manifestDirectory = outside
                location = "file://\(outside.path)/evil.gz.enc"
                segmentPath = "/database_backups/secret"
            case "location with '..'":
                manifestDirectory = outside
                location = "file://\(store.path)/../outside/database_backups/evil.gz.enc"
                segmentPath = "/database_backups/secret"
            default:
                manifestDirectory = outside
                location = "file://\(store.path)/%2e%2e/outside/database_backups/evil.gz.enc"
                segmentPath = "/database_backups/secret"
            }
            let md5 = try MD5Hasher.hexDigest(of: secret)
            var manifest = try JSONSerialization.jsonObject(
                with: Data(contentsOf: folder.appendingPathComponent("real.gz.enc"))) as? [String: Any] ?? [:]
            manifest["object"] = "evil.gz.enc"
            manifest["checksum"] = md5
            manifest["size_bytes"] = secret.count
            manifest["segments"] = [["path": segmentPath, "etag": md5, "size_bytes": secret.count]]
            try JSONSerialization.data(withJSONObject: manifest).write(to: manifestDirectory.appendingPathComponent("evil.gz.enc"))

            let sink = CollectingSink()
            await #expect {
                _ = try await storage.load(location: location, expectedChecksum: md5, into: sink) { _ in }
            } throws: { error in
                switch error as? ObjectStorageError {
                case .invalidManifest(_, let reason)?: reason.contains("store")
                case .invalidLocation(_, let reason)?: reason.contains("store")
                default: false
                }
            }
            #expect(sink.bytes.isEmpty)
            await #expect(throws: ObjectStorageError.self) { try await storage.delete(location: location) }
            #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("secret").path))
            try await expectLoadsBack(real, from: storage, equalTo: [1, 2, 3], container: "database_backups")
        }
    }
}
