import AgentSupport
import Foundation
import HTTPTransport
import ObjectStorage
import Testing
import TestSupport

/// Failures of a real Swift mid-transfer: a flaky server, a killed proxy.
extension SwiftIntegrationTests {
    @Suite(.needsServices) struct Faults {
        let swift: SwiftTestEnvironment

        init() throws { swift = try SwiftTestEnvironment.load() }

        var proxyPort: Int {
            get throws {
                guard let port = URL(string: swift.authURL)?.port else { throw TestFailure("no port in \(swift.authURL)") }
                return port
            }
        }

        /// Runs `body` with a storage like `direct` that reaches Swift through a ``FlakyProxy``; stops the proxy after.
        func throughFlakyProxy(
            _ direct: SwiftStorage, _ endpoint: SwiftEndpoint, failures: Int, truncations: Int = 0,
            _ body: (SwiftStorage, FlakyProxy) async throws -> Void
        ) async throws {
            let port = try proxyPort
            let proxy = try await FlakyProxy.start(
                python: swift.python, upstreamPort: port, failures: failures, truncations: truncations)
            do {
                let viaProxy = SwiftEndpoint(
                    storageURL: endpoint.storageURL.replacingOccurrences(of: ":\(port)/", with: ":\(proxy.port)/"),
                    token: endpoint.token)
                let storage = try SwiftStorage(
                    endpoint: viaProxy, configuration: direct.configuration, logger: SwiftTestEnvironment.logger)
                try await body(storage, proxy)
            } catch {
                await proxy.stop()
                throw error
            }
            await proxy.stop()
        }

        @Test func aFlakyServerIsRetriedSegmentBySegmentAndSucceeds() async throws {
            let (direct, endpoint) = try await swift.storage()
            try await throughFlakyProxy(direct, endpoint, failures: 2) { storage, proxy in
                let data = testBytes(count: 4 * 64 * 1024 + 999)
                let events = EventLog()
                let stored = try await storage.save(
                    objectName: "flaky.gz.enc", from: MemorySource(data), metadata: [:], progress: events.record)
                #expect(stored.segments.count == 5)
                #expect(events.retryCount == 10, "two retries for each of the five segments")

                let sink = CollectingSink()
                let loadEvents = EventLog()
                _ = try await storage.load(
                    location: stored.location, expectedChecksum: stored.checksum, into: sink,
                    progress: loadEvents.record)
                #expect(sink.bytes == data)
                #expect(loadEvents.retryCount == 10)

                let injected = try await proxy.stats()
                #expect(injected["PUT"] == 10)
                #expect(injected["GET"] == 10)
            }
        }

        @Test func aDownloadCutMidSegmentResumesWhereItBrokeOff() async throws {
            let (direct, endpoint) = try await swift.storage()
            let data = testBytes(count: 3 * 64 * 1024 + 5000)
            let stored = try await direct.save(objectName: "cut.gz.enc", from: MemorySource(data), metadata: [:]) { _ in }
            try await throughFlakyProxy(direct, endpoint, failures: 0, truncations: 1) { storage, proxy in
                let sink = CollectingSink()
                let events = EventLog()
                _ = try await storage.load(
                    location: stored.location, expectedChecksum: stored.checksum, into: sink, progress: events.record)
                #expect(sink.bytes == data)
                let injected = try await proxy.stats()
                #expect(injected["truncated"] == 4)
                #expect(injected["ranged"] == 4, "each cut segment resumed with a Range request")
                #expect(events.retryCount == 4)
            }
        }

        @Test func tooManyServerErrorsFailAndLeaveNoSegments() async throws {
            let (direct, endpoint) = try await swift.storage()
            try await throughFlakyProxy(direct, endpoint, failures: 100) { storage, _ in
                await #expect {
                    _ = try await storage.save(
                        objectName: "down.gz.enc", from: MemorySource(testBytes(count: 200_000)), metadata: [:]) { _ in }
                } throws: { error in
                    guard case ObjectStorageError.serverError(let failure) = error else { return false }
                    return failure.status == 503 && failure.message.contains("injected")
                        && failure.operation == "PUT segment" && failure.object.contains("/down_0000000")
                }
            }
            #expect(try await swift.listContainer(direct.configuration.container, endpoint: endpoint) == [])
        }

        /// Kills Swift's proxy once two segments are stored; `restartWhenAbandoning` brings it back when the
        /// storage gives up (so its cleanup can reach Swift), otherwise it stays down until the test restarts it.
        func uploadThroughAProxyCrash(restartWhenAbandoning: Bool) async throws
            -> (error: any Error, storage: SwiftStorage, endpoint: SwiftEndpoint)
        {
            let (storage, endpoint) = try await swift.storage {
                $0.retry = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(300))
            }
            let events = EventLog()
            let killed = TestFlag()
            let swift = self.swift
            let source = MemorySource(testBytes(count: 16 * 64 * 1024)) { offset in
                guard offset >= 4 * 64 * 1024, !killed.isSet else { return }
                let twoStored = events.wait { _ in events.storedCount >= 2 }
                guard twoStored else { throw TestFailure("no segment was stored before the crash") }
                try swift.swiftStore("kill-proxy")
                killed.set()
            }
            let restarted = TestFlag()
            do {
                _ = try await storage.save(objectName: "crash.gz.enc", from: source, metadata: [:]) { event in
                    events.record(event)
                    if case .abandoning = event, restartWhenAbandoning, !restarted.set() {
                        try? swift.swiftStore("start-proxy")
                    }
                }
            } catch {
                if !restartWhenAbandoning { try swift.swiftStore("start-proxy") }
                #expect(killed.isSet)
                #expect(events.storedCount >= 2)
                return (error, storage, endpoint)
            }
            if !restartWhenAbandoning { try swift.swiftStore("start-proxy") }
            throw TestFailure("the upload succeeded although Swift's proxy was killed")
        }

        @Test func aProxyKilledMidUploadLeavesNoOrphanSegments() async throws {
            let (error, storage, endpoint) = try await uploadThroughAProxyCrash(restartWhenAbandoning: true)
            guard case ObjectStorageError.transport(_, _, let transport) = error else {
                Issue.record("expected the connection failure, got \(error)")
                return
            }
            #expect(transport.kind == .couldNotConnect || transport.kind == .connectionLost)
            #expect(try await swift.listContainer(storage.configuration.container, endpoint: endpoint) == [])
        }

        @Test func whenCleanupCannotReachSwiftTheLeftoversAreNamedAndRemovableLater() async throws {
            let (error, storage, endpoint) = try await uploadThroughAProxyCrash(restartWhenAbandoning: false)
            guard case ObjectStorageError.uploadAbandoned(let object, let cause, let leftBehind) = error else {
                Issue.record("expected uploadAbandoned, got \(error)")
                return
            }
            #expect(object == "crash.gz.enc")
            #expect(cause is ObjectStorageError)
            // Every segment begun is named (the manifest was never written).
            #expect(leftBehind == (0..<leftBehind.count).map { "crash_0000000\($0)" })
            let container = storage.configuration.container
            let before = try await swift.listContainer(container, endpoint: endpoint)
            #expect(before.contains("crash_00000000") && before.contains("crash_00000001"))
            #expect(Set(before).isSubset(of: Set(leftBehind)))

            // What the agent does on restart after a crash mid-upload.
            let deleted = try await storage.deletePartialUpload(objectName: "crash.gz.enc")
            #expect(deleted.sorted() == before)
            #expect(try await swift.listContainer(container, endpoint: endpoint) == [])
        }
    }
}
