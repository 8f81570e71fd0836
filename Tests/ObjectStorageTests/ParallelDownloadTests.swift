import AgentSupport
import CryptoPrimitives
import Foundation
import HTTPTransport
import ObjectStorage
import Testing
import TestSupport

/// Restores that fetch several segments at once from the real Swift: bounded, in order, and no byte of a segment
/// used before the segment matched its manifest.
extension SwiftIntegrationTests {
    @Suite(.needsServices) struct ParallelDownload {
        let swift: SwiftTestEnvironment

        init() throws { swift = try SwiftTestEnvironment.load() }

        /// Runs `body` with a storage that reaches Swift through a ``FlakyProxy`` that injects no failures (`truncations`
        /// and `together` as ``FlakyProxy/start(python:upstreamPort:failures:truncations:together:)`` takes them);
        /// the proxy is stopped afterwards, whatever happened.
        private func throughProxy(
            _ direct: SwiftStorage, _ endpoint: SwiftEndpoint, truncations: Int = 0, together: Int = 1,
            _ body: (SwiftStorage, FlakyProxy) async throws -> Void
        ) async throws {
            guard let port = URL(string: swift.authURL)?.port else { throw TestFailure("no port in \(swift.authURL)") }
            let proxy = try await FlakyProxy.start(
                python: swift.python, upstreamPort: port, failures: 0, truncations: truncations, together: together)
            do {
                let storage = try SwiftStorage(
                    endpoint: SwiftEndpoint(
                        storageURL: endpoint.storageURL.replacingOccurrences(of: ":\(port)/", with: ":\(proxy.port)/"),
                        token: endpoint.token),
                    configuration: direct.configuration, logger: SwiftTestEnvironment.logger)
                try await body(storage, proxy)
            } catch {
                await proxy.stop()
                throw error
            }
            await proxy.stop()
        }

        @Test func segmentsDownloadOverSeveralConnectionsAtOnceAndArriveInOrder() async throws {
            let (direct, endpoint) = try await swift.storage { $0.downloadParallelism = 3 }
            let container = direct.configuration.container
            let data = testBytes(count: 5 * 64 * 1024 + 1000)
            let stored = try await direct.save(objectName: "wide.gz.enc", from: MemorySource(data), metadata: [:]) { _ in }
            #expect(stored.segments.count == 6)
            // The proxy holds the first segment GETs until three have arrived: one connection at a time would be
            // seen as one, and more than three would break the bound.
            try await throughProxy(direct, endpoint, together: 3) { storage, proxy in
                try await expectLoadsBack(stored, from: storage, equalTo: data, container: container)
                let seen = try await proxy.stats()
                #expect(seen["most_at_once"] == 3, "three segment GETs in flight at once, never more")
            }
        }

        @Test func largeSegmentsDownloadInPartsOverSeveralConnectionsAtOnce() async throws {
            let (direct, endpoint) = try await swift.storage {
                $0.segmentSize = 600_000
                $0.downloadParallelism = 3
                $0.downloadPartSize = 100_000
            }
            let container = direct.configuration.container
            let data = testBytes(count: 1_000_000)
            let stored = try await direct.save(objectName: "big.gz.enc", from: MemorySource(data), metadata: [:]) { _ in }
            #expect(stored.segments.count == 2)
            try await throughProxy(direct, endpoint, together: 3) { storage, proxy in
                let sink = CollectingSink()
                let events = EventLog()
                _ = try await storage.load(
                    location: stored.location, expectedChecksum: stored.checksum, into: sink, progress: events.record)
                let same = sink.bytes == data
                #expect(same, "the bytes restored are the bytes stored")
                #expect(events.verifiedSegments == stored.segments.map { "\(container)/\($0.name)" })
                let seen = try await proxy.stats()
                // Parts start in order: the first three in flight are ranges of the first segment.
                #expect(seen["most_at_once"] == 3, "three ranges in flight at once, never more")
                #expect(seen["ranged"] == 10, "the segments fetched as ten ranges of at most 100 000 bytes")
            }
        }

        @Test func aPartCutMidTransferResumesWhereItBrokeOff() async throws {
            let (direct, endpoint) = try await swift.storage {
                $0.segmentSize = 256 * 1024
                $0.downloadPartSize = 50_000
            }
            let data = testBytes(count: 600 * 1024)
            let stored = try await direct.save(objectName: "cut.gz.enc", from: MemorySource(data), metadata: [:]) { _ in }
            #expect(stored.segments.count == 3)
            try await throughProxy(direct, endpoint, truncations: 1) { storage, proxy in
                let sink = CollectingSink()
                _ = try await storage.load(location: stored.location, expectedChecksum: stored.checksum, into: sink) { _ in }
                let same = sink.bytes == data
                #expect(same, "the bytes restored are the bytes stored")
                let injected = try await proxy.stats()
                #expect(injected["truncated"] == 3, "the first GET of each segment was cut")
            }
        }

        @Test func noByteOfASegmentThatFailsItsChecksumReachesTheSink() async throws {
            let (storage, endpoint) = try await swift.storage { $0.downloadParallelism = 4 }
            let container = storage.configuration.container
            let data = testBytes(count: 4 * 64 * 1024)
            let stored = try await storage.save(objectName: "bad.gz.enc", from: MemorySource(data), metadata: [:]) { _ in }
            // Segment 2 rewritten with as many other bytes: the manifest's checksum still matches.
            _ = try await swift.runPython(
                """
                import sys
                from swiftclient import client
                client.put_object(sys.argv[1], sys.argv[2], sys.argv[3], "bad_00000002", b"y" * 65536)
                """, [endpoint.storageURL, endpoint.token.revealed, container])

            let sink = CollectingSink()
            do {
                _ = try await storage.load(location: stored.location, expectedChecksum: stored.checksum, into: sink) { _ in }
                Issue.record("a corrupted segment was restored")
            } catch ObjectStorageError.segmentChecksumMismatch(let segment, let expected, _) {
                #expect(segment == "\(container)/bad_00000002")
                #expect(expected == stored.segments[2].md5)
            }
            let used = sink.bytes
            #expect(used.count == 2 * 64 * 1024, "the segments before the bad one were used, and no byte of it")
            #expect(used.elementsEqual(data.prefix(used.count)))
            #expect(!sink.isFinished)
        }
    }
}
