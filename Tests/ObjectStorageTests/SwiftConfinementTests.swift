import AgentSupport
import CryptoPrimitives
import Foundation
import ObjectStorage
import Testing
import TestSupport

/// A location or a manifest cannot send the caller's token outside the backup's account: `.`, `..` and empty
/// components (and their percent-encoded forms) are refused before any request.
extension SwiftIntegrationTests {
    @Suite(.needsServices) struct Confinement {
        let swift: SwiftTestEnvironment

        init() throws { swift = try SwiftTestEnvironment.load() }

        /// Locations whose container or object is `.`, `..` or empty. With a client that removes dot segments (as
        /// curl does), `<account>/../AUTH_x` is account `AUTH_x`, and `<container>/..` is the account itself.
        @Test func locationsWithDotComponentsAreRefused() async throws {
            let (storage, endpoint) = try await swift.storage()
            let container = storage.configuration.container
            let stored = try await storage.save(
                objectName: "kept.gz.enc", from: MemorySource(testBytes(count: 1000)), metadata: [:]) { _ in }
            let account = String(endpoint.storageURL.split(separator: "/").last ?? "")
            let hostile = [
                "\(endpoint.storageURL)/../\(account)", "\(endpoint.storageURL)/\(container)/..",
                "\(endpoint.storageURL)/\(container)/.", "\(endpoint.storageURL)/./\(container)",
                "\(endpoint.storageURL)/%2e%2e/\(account)", "\(endpoint.storageURL)/\(container)/%2E%2e",
                "\(endpoint.storageURL)/.%2E/\(account)", "\(endpoint.storageURL)//kept.gz.enc",
            ]
            for location in hostile {
                let sink = CollectingSink()
                await #expect {
                    _ = try await storage.load(location: location, expectedChecksum: nil, into: sink) { _ in }
                } throws: { error in
                    guard case ObjectStorageError.invalidLocation = error else { return false }
                    return true
                }
                #expect(sink.bytes.isEmpty, "\(location) read \(sink.bytes.count) bytes")
                await #expect(throws: ObjectStorageError.self, "\(location)") {
                    _ = try await storage.info(location: location, expectedChecksum: nil)
                }
                await #expect(throws: ObjectStorageError.self, "\(location)") { try await storage.delete(location: location) }
            }
            try await expectLoadsBack(stored, from: storage, equalTo: testBytes(count: 1000), container: container)
        }

        /// An SLO whose segment sits in a container named `..` (Swift stores it, for a client that sends the path
        /// as is) and a DLO whose `X-Object-Manifest` names container `..` (plain or percent-encoded) are refused:
        /// fetched through a client that removes dot segments they would leave the account.
        @Test func manifestSegmentsWithDotComponentsAreRefused() async throws {
            let (storage, endpoint) = try await swift.storage()
            let container = storage.configuration.container
            let account = String(endpoint.storageURL.split(separator: "/").last ?? "")
            // `../<account>/<container>/target` is an object of container `..`; read with dot segments removed, it is
            // `<container>/target` (of any account the path names). Both hold the same bytes, so only the path differs.
            _ = try await swift.runPython(
                """
                import hashlib, http.client, json, sys, urllib.parse
                url, token, container, account = sys.argv[1:5]
                parts = urllib.parse.urlsplit(url)
                def send(method, path, body=b"", headers={}):
                    connection = http.client.HTTPConnection(parts.hostname, parts.port)
                    connection.request(method, parts.path + path, body=body, headers={"X-Auth-Token": token, **headers})
                    response = connection.getresponse()
                    response.read()
                    assert response.status < 300, (method, path, response.status)
                data = b"segment bytes" * 100
                send("PUT", "/" + container)
                send("PUT", "/" + container + "/target", data)
                send("PUT", "/..")
                inner = account + "/" + container + "/target"
                send("PUT", "/../" + inner, data)
                md5 = hashlib.md5(data).hexdigest()
                manifest = json.dumps([{"path": "/../" + inner, "etag": md5, "size_bytes": len(data)}]).encode()
                send("PUT", "/" + container + "/slo.gz.enc?multipart-manifest=put", manifest)
                send("PUT", "/" + container + "/dlo.gz.enc", b"", {"X-Object-Manifest": "../" + inner})
                send("PUT", "/" + container + "/dlo-encoded.gz.enc", b"", {"X-Object-Manifest": "%2e%2e/" + inner})
                """, [endpoint.storageURL, endpoint.token.revealed, container, account])
            for name in ["slo.gz.enc", "dlo.gz.enc", "dlo-encoded.gz.enc"] {
                let sink = CollectingSink()
                await #expect {
                    _ = try await storage.load(
                        location: "\(endpoint.storageURL)/\(container)/\(name)", expectedChecksum: nil, into: sink
                    ) { _ in }
                } throws: { error in
                    guard case ObjectStorageError.invalidManifest(_, let reason) = error else { return false }
                    return reason.contains("'..'")
                }
                #expect(sink.bytes.isEmpty, "\(name) read \(sink.bytes.count) bytes")
            }
        }
    }
}
