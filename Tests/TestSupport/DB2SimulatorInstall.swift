import AgentSupport
import Foundation

/// A db2sim instance installed for a test (`db2sim install --home <root>/home --instance NAME`), and scripts run in
/// its environment: the one way every test target makes and drives the DB2 stand-in.
public struct DB2SimulatorInstall: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// The directory holding everything (removed by the owner of the install).
    public let root: URL
    /// The instance home (`<root>/home`).
    public let home: String
    /// The instance's name.
    public let instance: String

    /// `sqllib/db2profile`, which sets the instance's environment.
    public var profile: String { "\(home)/sqllib/db2profile" }

    /// The built `db2sim`: in `TEST_BIN_DIR` (exported by `scripts/test`), else next to the test bundle.
    public static func simulator() throws -> String {
        var candidates: [String] = []
        if let directory = TestEnvironment.optional("TEST_BIN_DIR") { candidates.append(directory) }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates += [bundle.path, bundle.deletingLastPathComponent().path]
        for directory in candidates where FileManager.default.isExecutableFile(atPath: "\(directory)/db2sim") {
            return "\(directory)/db2sim"
        }
        throw Failure(
            "db2sim not found (looked in \(candidates)): run the tests through scripts/test, which builds it and "
                + "exports TEST_BIN_DIR")
    }

    /// Installs an instance under `root`.
    public init(root: URL, instance: String = "db2inst1") async throws {
        self.root = root
        home = root.appendingPathComponent("home").path
        self.instance = instance
        let install = try await ProcessRunner.run(
            try Self.simulator(), ["install", "--home", home, "--instance", instance])
        guard install.succeeded else {
            throw Failure("db2sim install failed: \(install.stdout) \(install.stderr)")
        }
    }

    /// Runs `script` in `sh` with the instance's environment (the profile sourced: its own CLP back-end).
    public func shell(_ script: String, environment: [String: String]? = nil) async throws -> ProcessResult {
        try await ProcessRunner.run("/bin/sh", ["-c", ". \"$1\" && \(script)", "sh", profile], environment: environment)
    }

    /// Runs `script` and fails unless it exits 0; returns what it printed.
    @discardableResult
    public func succeed(_ script: String) async throws -> String {
        let result = try await shell(script)
        guard result.succeeded else {
            throw Failure("\(script) failed (\(result.status)): \(result.stdout) \(result.stderr)")
        }
        return result.stdout
    }

    /// `db2sim fault <arguments>` for this instance.
    public func fault(_ arguments: [String]) async throws {
        try await succeed(([try Self.simulator(), "fault"] + arguments).map { "'\($0)'" }.joined(separator: " "))
    }

    /// `db2sim fault list`: one line per rule, with how often it `fired=`.
    public func faultList() async throws -> String {
        try await succeed("'\(try Self.simulator())' fault list")
    }
}
