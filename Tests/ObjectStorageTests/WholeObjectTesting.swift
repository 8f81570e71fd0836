import CryptoPrimitives
import Foundation
import ObjectStorage
import Testing
import TestSupport

/// What every ``WholeObjectStore`` must do, run against LocalStorage and the loopback Swift alike.
enum WholeObjectTesting {
    static let prefix = try! ObjectPath(["db2logs", "inst-1", "SAMPLE"])

    static func logName(_ file: String, chain: String = "C0000000") throws -> ObjectPath {
        try prefix.appending(chain).appending(file)
    }

    /// Writes `bytes` to a new file under `base`.
    static func file(_ base: URL, _ name: String, _ bytes: [UInt8]) throws -> String {
        let url = base.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// put / head / list / get / delete with nested names and metadata.
    static func roundTrip(_ store: any WholeObjectStore, in base: URL) async throws {
        let bytes = testBytes(count: 200_003)
        let source = try file(base, "S0000012.LOG.gz.enc", bytes)
        let first = try logName("S0000012.LOG.gz.enc")
        let second = try logName("S0000013.LOG.gz.enc")
        let newerChain = try logName("S0000001.LOG.gz.enc", chain: "C0000001")
        // Shares the string prefix "…/SAMPLE" but is another database: never listed under SAMPLE.
        let otherDatabase = try ObjectPath(["db2logs", "inst-1", "SAMPLE2", "C0000000", "S0000001.LOG.gz.enc"])

        let metadata = ["Chain-Id": "0", "first_commit": "2024-05-01T10:00:00Z", "log_size": "200003"]
        let md5 = try await store.put(first, fromFile: source, metadata: metadata, deleteAt: nil)
        #expect(md5 == (try MD5Hasher.hexDigest(of: bytes)))
        for name in [second, newerChain, otherDatabase] {
            _ = try await store.put(name, fromFile: source, metadata: [:], deleteAt: nil)
        }

        let info = try #require(try await store.head(first))
        #expect(info.checksum == md5)
        #expect(info.size == Int64(bytes.count))
        #expect(info.metadata == ["chain_id": "0", "first_commit": "2024-05-01T10:00:00Z", "log_size": "200003"])
        #expect(try await store.head(try logName("S0000099.LOG.gz.enc")) == nil)

        #expect(try await store.list(under: prefix) == [first, second, newerChain])
        #expect(try await store.list(under: try prefix.appending("C0000001")) == [newerChain])
        #expect(try await store.list(under: try ObjectPath(["db2logs"])) == [first, second, newerChain, otherDatabase])
        #expect(try await store.list(under: try ObjectPath(["db2logs", "inst-2"])) == [])
        #expect(try await store.list(under: first) == [], "an object is not a directory of objects")

        let restored = base.appendingPathComponent("restored")
        #expect(try await store.get(first, toFile: restored.path) == Int64(bytes.count))
        #expect(Array(try Data(contentsOf: restored)) == bytes)
        let mode = try FileManager.default.attributesOfItem(atPath: restored.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // An existing file is not overwritten, a missing object is said to be missing.
        try Data("mine".utf8).write(to: restored)
        await #expect(throws: ObjectStorageError.self) { _ = try await store.get(second, toFile: restored.path) }
        #expect(try Data(contentsOf: restored) == Data("mine".utf8))
        let missing = base.appendingPathComponent("missing")
        let error = await #expect(throws: ObjectStorageError.self) {
            _ = try await store.get(try logName("S0000099.LOG.gz.enc"), toFile: missing.path)
        }
        #expect(error?.isNotFound == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: missing.path))

        // Replacing keeps one object with the new bytes.
        let smaller = try file(base, "smaller", testBytes(count: 1000, seed: 7))
        let replaced = try await store.put(second, fromFile: smaller, metadata: [:], deleteAt: nil)
        #expect(try await store.head(second)?.checksum == replaced)
        #expect(try await store.head(second)?.size == 1000)

        try await store.delete(first)
        #expect(try await store.head(first) == nil)
        #expect(try await store.list(under: prefix) == [second, newerChain])
        try await store.delete(first)  // already gone: fine
    }

    /// An object with `X-Delete-At` a couple of seconds ahead is there, then gone for head and get.
    static func expiry(_ store: any WholeObjectStore, in base: URL) async throws {
        let source = try file(base, "S0000020.LOG.gz.enc", testBytes(count: 5000))
        let name = try logName("S0000020.LOG.gz.enc")
        let deleteAt = Date().addingTimeInterval(4)
        _ = try await store.put(name, fromFile: source, metadata: [:], deleteAt: deleteAt)
        // On a loaded machine the PUT itself may outlast the moment: the object is only required while it is before.
        let asked = Date()
        let present = try await store.head(name) != nil
        if asked.addingTimeInterval(0.5) < deleteAt { #expect(present, "there before its X-Delete-At") }
        try await waitFor("the object has expired", timeout: 30) { try await store.head(name) == nil }
        let error = await #expect(throws: ObjectStorageError.self) {
            _ = try await store.get(name, toFile: base.appendingPathComponent("expired").path)
        }
        #expect(error?.isNotFound == true, "\(String(describing: error))")

        // A moment already past is refused before anything is sent.
        await #expect(throws: ObjectStorageError.self) {
            _ = try await store.put(name, fromFile: source, metadata: [:], deleteAt: Date().addingTimeInterval(-60))
        }
    }
}
