import Foundation
import TestSupport

/// A service of the test's own, started by one of the project's scripts (`scripts/rabbitmq`, `scripts/swift-store`)
/// in a directory of its own, with the variables of the `env` file the script writes there. Further commands of
/// the script (`stop-node DIR 1`, `stop-object DIR 2`...) run through ``command(_:_:)``.
struct ScriptedService: Sendable {
    let script: String
    let directory: URL
    let environment: [String: String]

    /// The service `script` started in `directory`, with the variables of its `env` file.
    init(script: String, directory: URL) throws {
        self.script = script
        self.directory = directory
        let text = try String(contentsOf: directory.appendingPathComponent("env"), encoding: .utf8)
        var environment: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        self.environment = environment
    }

    /// `scripts/<name>` of this checkout.
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/\(name)").path
    }

    /// Runs `body` with a service started by `script <start> DIR <arguments>` in a new directory; stops it
    /// (`script stop DIR`) and removes the directory afterwards, whatever happens.
    static func run(
        script: String, prefix: String, start: String = "start", arguments: [String] = [],
        _ body: (ScriptedService) async throws -> Void
    ) async throws {
        let directory = try makeTemporaryDirectory(prefix: prefix)
        func stop() async {
            _ = try? await ProcessRunner.run(script, ["stop", directory.path])
            // TEST_KEEP_DIRS=1 keeps the logs and state for a post-mortem.
            if TestEnvironment.optional("TEST_KEEP_DIRS") == nil { try? FileManager.default.removeItem(at: directory) }
        }
        do {
            let started = try await ProcessRunner.run(script, [start, directory.path] + arguments)
            guard started.succeeded else {
                throw BackupTestFailure("\(script) \(start) failed: \(started.stderr)")
            }
            try await body(try ScriptedService(script: script, directory: directory))
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    /// The value of `name` in the service's `env` file.
    func value(_ name: String) throws -> String {
        guard let value = environment[name] else { throw BackupTestFailure("no \(name) in \(directory.path)/env") }
        return value
    }

    /// Runs `script <name> DIR <arguments>` and returns its output; fails with its stderr unless it exits 0.
    @discardableResult
    func command(_ name: String, _ arguments: [String] = []) async throws -> String {
        let result = try await ProcessRunner.run(script, [name, directory.path] + arguments)
        guard result.succeeded else { throw BackupTestFailure("\(script) \(name) \(arguments) failed: \(result.stderr)") }
        return result.stdout
    }
}
