import AgentSupport
import Foundation
import HTTPTransport
import Logging
import ObjectStorage
import Testing
import TestSupport

/// The one-node Swift that `scripts/test` starts (`scripts/swift-store`), read from the environment.
struct SwiftTestEnvironment {
    let authURL: String
    let user: String
    let key: String
    let swiftDirectory: String
    let storeScript: String
    let python: String

    struct Missing: Error, CustomStringConvertible {
        let variable: String
        var description: String {
            "\(variable) is not set: run these tests through scripts/test, which starts a one-node Swift "
                + "(scripts/swift-store) and exports SWIFT_* and TEST_PYTHON"
        }
    }

    /// - Throws: ``Missing`` naming the first variable not set.
    static func load() throws -> SwiftTestEnvironment {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else { throw Missing(variable: name) }
            return value
        }
        return SwiftTestEnvironment(
            authURL: try value("SWIFT_AUTH_URL"), user: try value("SWIFT_USER"), key: try value("SWIFT_KEY"),
            swiftDirectory: try value("SWIFT_DIR"), storeScript: try value("SWIFT_STORE"),
            python: try value("TEST_PYTHON"))
    }

    static let logger = Logger(label: "object-storage-tests")
    static let client = HTTPClient(logger: logger)

    /// A fresh token and the account's storage URL from tempauth.
    func authenticate() async throws -> SwiftEndpoint {
        let response = try await Self.client.send(
            HTTPRequest(.get, url: authURL, headers: ["X-Auth-User": user, "X-Auth-Key": key]))
        guard response.status == 200, let token = response.headers["X-Auth-Token"],
            let url = response.headers["X-Storage-Url"]
        else {
            throw TestFailure("tempauth answered \(response.status): \(response.bodyText)")
        }
        return SwiftEndpoint(storageURL: url, token: Secret(token))
    }

    /// A storage on a container of its own (so that tests do not see each other's objects).
    func storage(
        _ configure: (inout StorageConfiguration) -> Void = { _ in }
    ) async throws -> (SwiftStorage, SwiftEndpoint) {
        let endpoint = try await authenticate()
        var configuration = StorageConfiguration(
            container: "test-\(UUID().uuidString.prefix(8).lowercased())", segmentSize: 64 * 1024,
            chunkSize: 16 * 1024,
            retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(200)),
            metadata: ["datastore": "db2", "datastore_version": "11.1"])
        configure(&configuration)
        return (try SwiftStorage(endpoint: endpoint, configuration: configuration, logger: Self.logger), endpoint)
    }

    /// Names in `container` (via Swift's API directly).
    func listContainer(_ container: String, endpoint: SwiftEndpoint) async throws -> [String] {
        let response = try await Self.client.send(
            HTTPRequest(
                .get, url: "\(endpoint.storageURL)/\(container)?format=json",
                headers: ["X-Auth-Token": endpoint.token.revealed]))
        if response.status == 404 || response.status == 204 { return [] }
        guard response.status == 200 else { throw TestFailure("listing \(container): \(response.status)") }
        let listed = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] ?? []
        return listed.compactMap { $0["name"] as? String }.sorted()
    }

    /// Runs a Python script with the venv's interpreter (python-swiftclient available); returns its stdout.
    func runPython(_ script: String, _ arguments: [String]) async throws -> String {
        try await runProcess(python, ["-c", script] + arguments)
    }

    /// Runs `scripts/swift-store <command> $SWIFT_DIR`.
    func swiftStore(_ command: String) throws {
        _ = try runProcessBlocking(storeScript, [command, swiftDirectory])
    }
}

/// A failed test precondition, with its message.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program on a blocking thread and returns its stdout; a non-zero exit throws with its stderr.
func runProcess(_ executable: String, _ arguments: [String]) async throws -> String {
    try await BlockingThreadPool.shared.run { try runProcessBlocking(executable, arguments) }
}

/// Runs a program on the calling (blocking) thread and returns its stdout; a non-zero exit throws with its stderr.
func runProcessBlocking(_ executable: String, _ arguments: [String]) throws -> String {
    let stderr = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).stderr")
    defer { try? FileManager.default.removeItem(at: stderr) }
    let child = try ChildProcess(executable, arguments, stdout: .pipe, stderr: .file(stderr))
    let output = String(decoding: ChildProcess.readToEnd(child.standardOutput!), as: UTF8.self)
    let status = child.waitBlocking() ?? -1
    guard status == 0 else {
        let errors = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        throw TestFailure("\(executable) \(arguments.prefix(1)) exited \(status): \(errors)")
    }
    return output
}
