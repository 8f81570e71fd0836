import AgentSupport
import Foundation
import HTTPTransport
import ObjectStorage
import Synchronization
import Testing
import TestSupport

/// The libcurl wrapper on its own: typed transport errors, aborts, streaming in both directions.
@Suite(.needsServices) struct HTTPClientTests {
    static let client = HTTPClient(logger: SwiftTestEnvironment.logger)

    /// A loopback port nobody listens on (bound, then released).
    func closedPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(descriptor, raw, length) == 0, getsockname(descriptor, raw, &length) == 0 else {
                    throw TestFailure("bind: errno \(errno)")
                }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func aRefusedConnectionIsATypedTransientError() async throws {
        let url = "http://127.0.0.1:\(try closedPort())/v1/AUTH_x/c/o"
        await #expect {
            _ = try await Self.client.send(HTTPRequest(.get, url: url, headers: ["X-Auth-Token": "tok-never-shown"]))
        } throws: { error in
            guard let error = error as? HTTPTransportError else { return false }
            return error.kind == .couldNotConnect && error.isTransient && error.curlCode == 7
                && error.request == "GET \(url)" && !"\(error)".contains("tok-never-shown")
        }
    }

    @Test func badRequestsAreRefusedBeforeSending() async throws {
        await #expect {
            _ = try await Self.client.send(HTTPRequest(.get, url: "ftp://127.0.0.1/x"))
        } throws: { error in (error as? HTTPTransportError)?.kind == .invalidRequest }
        await #expect {
            _ = try await Self.client.send(
                HTTPRequest(.get, url: "http://127.0.0.1:\(try closedPort())/", headers: ["X-Evil": "a\r\nX-Injected: b"]))
        } throws: { error in (error as? HTTPTransportError)?.kind == .invalidRequest }
    }
}

extension SwiftIntegrationTests {
    /// HTTPClient against the real Swift proxy.
    @Suite(.needsServices) struct Transport {
        let swift: SwiftTestEnvironment

        init() throws { swift = try SwiftTestEnvironment.load() }

        @Test func streamsAChunkedUploadAndADownloadThroughConsumers() async throws {
            let endpoint = try await swift.authenticate()
            let container = "transport-\(UUID().uuidString.prefix(8).lowercased())"
            let token: HTTPHeaders = ["X-Auth-Token": endpoint.token.revealed]
            let created = try await HTTPClientTests.client.send(
                HTTPRequest(.put, url: "\(endpoint.storageURL)/\(container)", headers: token))
            #expect(created.status == 201)

            let data = testBytes(count: 3_000_000)
            let url = "\(endpoint.storageURL)/\(container)/blob"
            let put = try await HTTPClientTests.client.send(
                HTTPRequest(.put, url: url, headers: token, body: .source(MemorySource(data, chunkSize: 70_000))))
            #expect(put.status == 201)
            #expect(put.bytesSent == Int64(data.count))

            let received = try await BlockingThreadPool.shared.run {
                let collected = Mutex<[UInt8]>([])
                let response = try HTTPClientTests.client.perform(HTTPRequest(.get, url: url, headers: token)) { head in
                    head.isSuccess ? { bytes in collected.withLock { $0.append(contentsOf: bytes) } } : nil
                }
                return (response.status, response.body.count, collected.withLock { $0 })
            }
            #expect(received.0 == 200)
            #expect(received.1 == 0, "a consumed body is not also buffered")
            #expect(received.2 == data)

            // An error status is an ordinary response, its body buffered even when a consumer was offered.
            let missing = try await BlockingThreadPool.shared.run {
                try HTTPClientTests.client.perform(HTTPRequest(.get, url: url + "-missing", headers: token)) { head in
                    head.isSuccess ? { _ in } : nil
                }
            }
            #expect(missing.status == 404)
            #expect(missing.bodyText.contains("Not Found"))
        }

        @Test func anAbortSignalStopsAnEndlessUpload() async throws {
            let endpoint = try await swift.authenticate()
            let container = "transport-\(UUID().uuidString.prefix(8).lowercased())"
            let token: HTTPHeaders = ["X-Auth-Token": endpoint.token.revealed]
            _ = try await HTTPClientTests.client.send(HTTPRequest(.put, url: "\(endpoint.storageURL)/\(container)", headers: token))
            let abort = TransferAbortSignal()
            let sent = Mutex(0)
            let endless = HTTPRequestBody.stream(length: nil) { buffer in
                let total = sent.withLock { total in
                    total += buffer.count
                    return total
                }
                if total > 4_000_000 { abort.abort(reason: "enough") }
                buffer.initializeMemory(as: UInt8.self, repeating: 0x5a)
                return buffer.count
            }
            await #expect {
                _ = try await BlockingThreadPool.shared.run {
                    try HTTPClientTests.client.perform(
                        HTTPRequest(.put, url: "\(endpoint.storageURL)/\(container)/endless", headers: token, body: endless),
                        abort: abort)
                }
            } throws: { error in
                (error as? HTTPTransportError)?.kind == .aborted(reason: "enough")
            }
        }
    }
}
