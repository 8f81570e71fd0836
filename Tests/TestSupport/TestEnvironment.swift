import Foundation
import Testing

/// The services `scripts/test` starts for the integration tests, read from the environment it exports.
///
/// A suite that needs them carries the ``needsServices`` trait: under a bare `swift test` it is skipped with a
/// comment naming what is missing. Inside it, ``TestEnvironment/require(_:)`` reads a variable and throws, saying
/// so, when one is missing anyway (a test never passes silently without its service).
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public let variable: String
        public var description: String {
            "environment variable \(variable) is not set: run the tests with scripts/test, which starts the real services"
        }
    }

    public static func require(_ variable: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw Missing(variable: variable)
        }
        return value
    }

    public static func optional(_ variable: String) -> String? {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The loopback broker's plain AMQP port.
    public static func amqpPort() throws -> Int {
        let text = try require("AMQP_PORT")
        guard let port = Int(text) else { throw Missing(variable: "AMQP_PORT (not a number: \(text))") }
        return port
    }

    /// The loopback broker's second user and its random password (`scripts/rabbitmq` makes it), for tests that
    /// look for the password where it must not be.
    public static func amqpAgentCredentials() throws -> (user: String, password: String) {
        (try require("AMQP_AGENT_USER"), try require("AMQP_AGENT_PASSWORD"))
    }

    /// The directory holding the built executables (`trove-db2-agent`, `db2sim`).
    public static func binDirectory() throws -> URL { URL(fileURLWithPath: try require("TEST_BIN_DIR")) }

    /// The venv's Python, with oslo.messaging, swift and python-swiftclient.
    public static func python() throws -> String { try require("TEST_PYTHON") }

    /// The Trove 13.0.0 venv's Python (`.venv-trove13`: Trove's own code with the Ussuri-era oslo libraries).
    public static func trove13Python() throws -> String { try require("TEST_TROVE13_PYTHON") }
}

extension TestEnvironment {
    /// What `scripts/test` exports once it has started the real services: the broker, Swift, the built
    /// executables, the Python peers.
    static let serviceVariables = [
        ("AMQP_PORT", "RabbitMQ"), ("SWIFT_AUTH_URL", "OpenStack Swift"), ("TEST_BIN_DIR", "the built trove-db2-agent and db2sim"),
        ("TEST_PYTHON", "the Python peers (oslo.messaging, python-swiftclient)"),
    ]

    /// The services missing from this run (none under `scripts/test`).
    public static let missingServices: [String] = serviceVariables.filter { optional($0.0) == nil }.map(\.1)
}

extension Trait where Self == ConditionTrait {
    /// For a suite or test that needs the real services: under a bare `swift test` it is skipped, and the skip
    /// names what is missing; `scripts/test` starts them all, and then nothing is skipped.
    public static var needsServices: Self {
        .enabled(
            if: TestEnvironment.missingServices.isEmpty,
            Comment(rawValue: "needs \(TestEnvironment.missingServices.joined(separator: ", ")): run scripts/test, which starts them"))
    }
}
