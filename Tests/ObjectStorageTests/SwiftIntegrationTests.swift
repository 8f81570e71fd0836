import AgentSupport
import CryptoPrimitives
import Foundation
import HTTPTransport
import ObjectStorage
import Testing
import TestSupport

/// Everything that talks to the real one-node Swift started by `scripts/test`. Serialized: one test kills and
/// restarts Swift's proxy.
@Suite(.serialized, .needsServices) struct SwiftIntegrationTests {
    let swift: SwiftTestEnvironment

    init() throws { swift = try SwiftTestEnvironment.load() }
}

/// Saves and loads against real Swift; checks the layout with Swift's own API and python-swiftclient.
extension SwiftIntegrationTests {
    @Suite(.needsServices) struct Layout {
        let swift: SwiftTestEnvironment

        init() throws { swift = try SwiftTestEnvironment.load() }

        /// What python-swiftclient reports for an object, the way Trove's code reads it.
        static let describeWithSwiftclient = """
            import hashlib, json, sys
            from swiftclient import client
            url, token, container, name = sys.argv[1:5]
            headers = client.head_object(url, token, container, name)
            out = {"etag": headers["etag"].strip('"'), "slo": headers.get("x-static-large-object"),
                   "meta": {k: v for k, v in headers.items() if k.startswith("x-object-meta-")}}
            if out["slo"]:
                _, manifest = client.get_object(url, token, container, name, query_string="multipart-manifest=get")
                segments = json.loads(manifest)
                md5s = []
                for segment in segments:
                    c, o = segment["name"].lstrip("/").split("/", 1)
                    _, body = client.get_object(url, token, c, o)
                    md5s.append(hashlib.md5(body).hexdigest())
                out["segments"] = [s["name"] for s in segments]
                out["segment_bytes"] = [s["bytes"] for s in segments]
                out["md5_of_segment_md5s"] = hashlib.md5("".join(md5s).encode()).hexdigest()
            _, body = client.get_object(url, token, container, name)
            out["md5"] = hashlib.md5(body).hexdigest()
            print(json.dumps(out))
            """

        func describe(_ container: String, _ name: String, _ endpoint: SwiftEndpoint) async throws -> [String: Any] {
            let output = try await swift.runPython(
                Self.describeWithSwiftclient, [endpoint.storageURL, endpoint.token.revealed, container, name])
            return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
        }

        @Test func multiSegmentUploadIsAnSLOWithTroveChecksumAndMetadata() async throws {
            let (storage, endpoint) = try await swift.storage()
            let container = storage.configuration.container
            let data = testBytes(count: 5 * 64 * 1024 + 1234)
            let events = EventLog()
            let stored = try await storage.save(
                objectName: "bk1.gz.enc", from: MemorySource(data, chunkSize: 20_000), metadata: [:],
                progress: events.record)

            #expect(stored.location == "\(endpoint.storageURL)/\(container)/bk1.gz.enc")
            #expect(stored.size == Int64(data.count))
            #expect(stored.segments.map(\.name) == (0...5).map { "bk1_0000000\($0)" })
            let described = try await describe(container, "bk1.gz.enc", endpoint)
            #expect(described["slo"] as? String == "True")
            #expect(described["etag"] as? String == stored.checksum)
            #expect(described["md5_of_segment_md5s"] as? String == stored.checksum)
            #expect(described["segments"] as? [String] == stored.segments.map { "/\(container)/\($0.name)" })
            #expect(described["segment_bytes"] as? [Int] == [65536, 65536, 65536, 65536, 65536, 1234])
            #expect(described["md5"] as? String == (try MD5Hasher.hexDigest(of: data)))
            let meta = described["meta"] as? [String: String]
            #expect(meta?["x-object-meta-datastore"] == "db2")
            #expect(meta?["x-object-meta-datastore-version"] == "11.1")
            #expect(events.storedCount == 6)

            // Restore: checksum first, then each segment verified while streaming.
            try await expectLoadsBack(stored, from: storage, equalTo: data, container: container)

            let info = try await storage.info(location: stored.location, expectedChecksum: stored.checksum)
            #expect(info.metadata["datastore_version"] == "11.1")
            #expect(info.size == Int64(data.count))

            try await storage.delete(location: stored.location)
            #expect(try await swift.listContainer(container, endpoint: endpoint) == [])
        }

        @Test func singleSegmentIsCopiedToThePlainObjectAsTroveDoes() async throws {
            let (storage, endpoint) = try await swift.storage()
            let container = storage.configuration.container
            let data = testBytes(count: 40_000)
            let stored = try await storage.save(
                objectName: "one.gz.enc", from: MemorySource(data), metadata: ["datastore_version": "11.5"]) { _ in }
            #expect(stored.checksum == (try MD5Hasher.hexDigest(of: data)))
            #expect(try await swift.listContainer(container, endpoint: endpoint) == ["one.gz.enc"])
            let described = try await describe(container, "one.gz.enc", endpoint)
            #expect(described["slo"] == nil || described["slo"] is NSNull)
            #expect(described["etag"] as? String == stored.checksum)
            #expect((described["meta"] as? [String: String])?["x-object-meta-datastore-version"] == "11.5")

            let sink = CollectingSink()
            _ = try await storage.load(location: stored.location, expectedChecksum: stored.checksum, into: sink) { _ in }
            #expect(sink.bytes == data)
            #expect(sink.isFinished)

            // An empty stream still makes a backup: one empty segment, copied, with the MD5 of nothing.
            let empty = try await storage.save(objectName: "empty.gz.enc", from: MemorySource([]), metadata: [:]) { _ in }
            #expect(empty.checksum == "d41d8cd98f00b204e9800998ecf8427e")
            #expect(try await swift.listContainer(container, endpoint: endpoint) == ["empty.gz.enc", "one.gz.enc"])
            let emptySink = CollectingSink()
            #expect(try await storage.load(location: empty.location, expectedChecksum: empty.checksum, into: emptySink) { _ in } == 0)
            #expect(emptySink.isFinished)
        }

        @Test func aSegmentOverwrittenThroughTheSwiftAPIIsDetected() async throws {
            let (storage, endpoint) = try await swift.storage()
            let container = storage.configuration.container
            let stored = try await storage.save(
                objectName: "bk2.gz.enc", from: MemorySource(testBytes(count: 3 * 64 * 1024)), metadata: [:]) { _ in }
            // Same size, different bytes: only a per-segment check can notice (the manifest's checksum still matches).
            _ = try await swift.runPython(
                """
                import sys
                from swiftclient import client
                client.put_object(sys.argv[1], sys.argv[2], sys.argv[3], "bk2_00000001", b"x" * 65536)
                """, [endpoint.storageURL, endpoint.token.revealed, container])

            let sink = CollectingSink()
            do {
                _ = try await storage.load(location: stored.location, expectedChecksum: stored.checksum, into: sink) { _ in }
                Issue.record("a corrupted segment was restored")
            } catch ObjectStorageError.segmentChecksumMismatch(let segment, let expected, let actual) {
                #expect(segment == "\(container)/bk2_00000001")
                #expect(expected == stored.segments[1].md5)
                #expect(actual == (try MD5Hasher.hexDigest(of: [UInt8](repeating: UInt8(ascii: "x"), count: 65536))))
            }
            #expect(!sink.isFinished)

            // A wrong expected checksum is refused before any byte is written.
            let untouched = CollectingSink()
            await #expect {
                _ = try await storage.load(location: stored.location, expectedChecksum: String(repeating: "0", count: 32), into: untouched) { _ in }
            } throws: { error in
                guard case ObjectStorageError.checksumMismatch = error else { return false }
                return true
            }
            #expect(untouched.bytes.isEmpty)
        }

        @Test func oldDLOBackupsAndPlainObjectsLoad() async throws {
            let (storage, endpoint) = try await swift.storage()
            let container = storage.configuration.container
            // A pre-Newton Trove backup: segments, then a zero-byte manifest with X-Object-Manifest.
            let output = try await swift.runPython(
                """
                import hashlib, sys
                from swiftclient import client
                url, token, container = sys.argv[1:4]
                client.put_container(url, token, container)
                md5s = []
                for index, fill in enumerate([b"a" * 70000, b"b" * 70000, b"c" * 123]):
                    client.put_object(url, token, container, "old_%08d" % index, fill)
                    md5s.append(hashlib.md5(fill).hexdigest())
                client.put_object(url, token, container, "old.gz.enc", b"",
                                  headers={"X-Object-Manifest": container + "/old_"})
                client.put_object(url, token, container, "plain.gz.enc", b"p" * 5000)
                print(hashlib.md5("".join(md5s).encode()).hexdigest())
                """, [endpoint.storageURL, endpoint.token.revealed, container])
            let dloChecksum = output.trimmingCharacters(in: .whitespacesAndNewlines)

            let sink = CollectingSink()
            let bytes = try await storage.load(
                location: "\(endpoint.storageURL)/\(container)/old.gz.enc", expectedChecksum: dloChecksum, into: sink
            ) { _ in }
            #expect(bytes == 140_123)
            #expect(sink.bytes == Array(repeating: UInt8(ascii: "a"), count: 70000)
                + Array(repeating: UInt8(ascii: "b"), count: 70000) + Array(repeating: UInt8(ascii: "c"), count: 123))

            let plain = CollectingSink()
            let plainChecksum = try MD5Hasher.hexDigest(of: [UInt8](repeating: UInt8(ascii: "p"), count: 5000))
            // Trove ignores the storage URL in a location: any prefix works.
            _ = try await storage.load(
                location: "http://elsewhere:8080/v1/AUTH_x/\(container)/plain.gz.enc", expectedChecksum: plainChecksum,
                into: plain) { _ in }
            #expect(plain.bytes.count == 5000)

            try await storage.delete(location: "\(endpoint.storageURL)/\(container)/old.gz.enc")
            #expect(try await swift.listContainer(container, endpoint: endpoint) == ["plain.gz.enc"])
        }

        @Test func anInvalidTokenIsAClearErrorWithoutTheToken() async throws {
            let (good, endpoint) = try await swift.storage()
            let badToken = "AUTH_tk_not_a_real_token_0123"
            let storage = try SwiftStorage(
                endpoint: SwiftEndpoint(storageURL: endpoint.storageURL, token: Secret(badToken)),
                configuration: good.configuration, logger: SwiftTestEnvironment.logger)
            do {
                _ = try await storage.save(objectName: "x.gz.enc", from: MemorySource([1, 2, 3]), metadata: [:]) { _ in }
                Issue.record("saved with an invalid token")
            } catch let error as ObjectStorageError {
                guard case .tokenRejected(let failure) = error else {
                    Issue.record("expected tokenRejected, got \(error)")
                    return
                }
                #expect(failure.status == 401)
                #expect("\(error)".contains("expired or invalid"))
                #expect(!"\(error)".contains(badToken))
                #expect(!String(reflecting: error).contains(badToken))
            }
            await #expect {
                _ = try await storage.load(
                    location: "\(endpoint.storageURL)/\(good.configuration.container)/x.gz.enc", expectedChecksum: nil,
                    into: CollectingSink()) { _ in }
            } throws: { error in
                guard case ObjectStorageError.tokenRejected = error else { return false }
                return true
            }
        }

        @Test func aMissingBackupIsNotFound() async throws {
            let (storage, endpoint) = try await swift.storage()
            await #expect {
                _ = try await storage.load(
                    location: "\(endpoint.storageURL)/\(storage.configuration.container)/nope.gz.enc",
                    expectedChecksum: nil, into: CollectingSink()) { _ in }
            } throws: { error in
                guard case ObjectStorageError.notFound(let failure) = error else { return false }
                return failure.object.hasSuffix("/nope.gz.enc") && failure.status == 404
            }
        }
    }
}
