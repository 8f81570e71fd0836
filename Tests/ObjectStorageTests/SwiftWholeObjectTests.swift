import Foundation
import ObjectStorage
import Testing
import TestSupport

/// SwiftStorage as a ``WholeObjectStore``, against the loopback Swift.
extension SwiftIntegrationTests {
    @Suite(.needsServices) struct WholeObjects {
        let swift: SwiftTestEnvironment

        init() throws { swift = try SwiftTestEnvironment.load() }

        @Test func putHeadListGetDeleteRoundTrip() async throws {
            let (storage, endpoint) = try await swift.storage()
            try await withTemporaryDirectory { base in
                try await WholeObjectTesting.roundTrip(storage, in: base)
            }
            // Stored as plain objects under their full names (Swift's pseudo-directories), nothing else.
            let names = try await swift.listContainer(storage.configuration.container, endpoint: endpoint)
            #expect(names == [
                "db2logs/inst-1/SAMPLE/C0000000/S0000013.LOG.gz.enc", "db2logs/inst-1/SAMPLE/C0000001/S0000001.LOG.gz.enc",
                "db2logs/inst-1/SAMPLE2/C0000000/S0000001.LOG.gz.enc",
            ])
        }

        @Test func anObjectPastItsDeleteAtIsGone() async throws {
            let (storage, _) = try await swift.storage()
            try await withTemporaryDirectory { base in
                try await WholeObjectTesting.expiry(storage, in: base)
            }
        }

        @Test func listingAContainerThatDoesNotExistIsEmpty() async throws {
            let (storage, _) = try await swift.storage()
            #expect(try await storage.list(under: WholeObjectTesting.prefix) == [])
            #expect(try await storage.head(try WholeObjectTesting.logName("S0000001.LOG.gz.enc")) == nil)
        }
    }
}
