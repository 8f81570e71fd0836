import AgentSupport
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What a process printed (standard output and error together) and how it ended.
struct ProcessResult: Sendable, CustomStringConvertible {
    let output: String
    let status: Int32

    var description: String { "exit \(status):\n\(output)" }
}

/// A process started in the background (a writer inserting rows, a backup), to be waited for.
///
/// `@unchecked Sendable`: the child is started before the value is shared, and only read afterwards.
final class RunningProcess: @unchecked Sendable {
    private let child: ChildProcess

    fileprivate init(child: ChildProcess) { self.child = child }

    var pid: Int32 { child.pid }

    /// Waits for the end (killing the process after `timeout` seconds) and returns its output.
    func wait(timeout: Double = 180) async -> ProcessResult {
        let child = self.child
        return await onOwnThread("process-wait") {
            let output = ChildProcess.readToEnd(child.standardOutput!)
            if child.waitBlocking(timeout: timeout) == nil { child.kill() }
            return ProcessResult(output: String(decoding: output, as: UTF8.self), status: child.exitStatus ?? -1)
        }
    }
}

/// Where the built executables are (``DB2SimulatorInstall/simulator()``).
enum BuiltProducts {
    static func simulator() throws -> String { try DB2SimulatorInstall.simulator() }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An instance home laid out by `db2sim install` in a temporary directory, and the environment its `db2profile`
/// sets (read by sourcing the profile in `sh`, as the agent does).
final class InstanceHome: Sendable {
    let root: URL
    let home: String
    let instance: String
    let environment: [String: String]

    /// Runs `body` with a fresh instance home; afterwards stops its `db2sysc` (db2stop force) and removes it.
    static func with<T>(
        instance: String = "db2inst1", _ body: (InstanceHome) async throws -> T
    ) async throws -> T {
        let root = try await BlockingThreadPool.shared.run { try makeTemporaryDirectory(prefix: "db2sim") }
        let home = InstanceHome(root: root, instance: instance, environment: [:])
        do {
            let ready = try await home.installed()
            do {
                let result = try await body(ready)
                try await ready.shutDown()
                return result
            } catch {
                try? await ready.shutDown()
                throw error
            }
        } catch {
            try? await BlockingThreadPool.shared.run { try FileManager.default.removeItem(at: root) }
            throw error
        }
    }

    private init(root: URL, instance: String, environment: [String: String]) {
        self.root = root
        self.home = root.appendingPathComponent("home").path
        self.instance = instance
        self.environment = environment
    }

    /// Installs the instance and reads the environment its profile sets.
    private func installed() async throws -> InstanceHome {
        _ = try await DB2SimulatorInstall(root: root, instance: instance)
        var base = ProcessInfo.processInfo.environment
        for key in ["DB2INSTANCE", "INSTHOME", "DB2SIM_STATE_DIR", "DB2OPTIONS"] { base[key] = nil }
        base["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        let profile = try await Self.run(
            ["/bin/sh", "-c", ". '\(home)/sqllib/db2profile' && env"], environment: base)
        guard profile.status == 0 else { throw HarnessError("sourcing db2profile failed: \(profile)") }
        var environment: [String: String] = [:]
        for line in profile.output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return InstanceHome(root: root, instance: instance, environment: environment)
    }

    /// Stops the instance (ending its `db2sysc`) and removes the directory.
    func shutDown() async throws {
        _ = try? await run(["db2stop", "force"])
        let root = self.root
        try await BlockingThreadPool.shared.run { try FileManager.default.removeItem(at: root) }
    }

    /// A path under the temporary directory (created as a directory when `create`).
    func path(_ name: String, create: Bool = true) async throws -> String {
        let url = root.appendingPathComponent(name)
        if create {
            try await BlockingThreadPool.shared.run { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        }
        return url.path
    }

    /// Runs a DB2 tool (`db2`, `db2start`, ...) found through the profile's PATH, as a child of the test process.
    func run(_ arguments: [String], input: String? = nil, timeout: Double = 180) async throws -> ProcessResult {
        try await Self.run(arguments, environment: environment, input: input, timeout: timeout)
    }

    /// `db2 <command>` with the command as one argument.
    func db2(_ command: String, options: [String] = []) async throws -> ProcessResult {
        try await run(["db2"] + options + [command])
    }

    /// Runs `db2sim` (for `db2sim fault ...`) with the instance's environment.
    func simulator(_ arguments: [String]) async throws -> ProcessResult {
        try await run([try BuiltProducts.simulator()] + arguments)
    }

    /// Runs `script` in `sh -c` (its `db2` commands share the shell's CLP back-end).
    func shell(_ script: String, timeout: Double = 180) async throws -> ProcessResult {
        try await run(["/bin/sh", "-c", script], timeout: timeout)
    }

    /// Starts `script` in `sh -c` without waiting.
    func spawnShell(_ script: String) throws -> RunningProcess {
        try Self.spawn(["/bin/sh", "-c", script], environment: environment, input: nil)
    }

    /// Starts the instance and fails the test when that does not work.
    func start() async throws {
        let result = try await run(["db2start"])
        guard result.status == 0 else { throw HarnessError("db2start failed: \(result)") }
    }

    /// Runs a shell script and fails when it exits with anything but 0.
    @discardableResult
    func succeed(_ script: String) async throws -> String {
        let result = try await shell(script)
        guard result.status == 0 else { throw HarnessError("script failed: \(script)\n\(result)") }
        return result.output
    }

    static func run(
        _ arguments: [String], environment: [String: String], input: String? = nil, timeout: Double = 180
    ) async throws -> ProcessResult {
        try await spawn(arguments, environment: environment, input: input).wait(timeout: timeout)
    }

    private static func spawn(_ arguments: [String], environment: [String: String], input: String?) throws
        -> RunningProcess
    {
        var executable = arguments[0]
        if !executable.hasPrefix("/") {
            let path = environment["PATH"] ?? ""
            executable =
                path.split(separator: ":").map { "\($0)/\(arguments[0])" }
                .first { FileManager.default.isExecutableFile(atPath: $0) } ?? arguments[0]
        }
        let child = try ChildProcess(
            executable, Array(arguments.dropFirst()), environment: environment, stdin: .pipe, stdout: .pipe,
            stderr: .standardOutput)
        if let input { child.standardInput!.write(Data(input.utf8)) }
        try child.standardInput!.close()
        return RunningProcess(child: child)
    }
}

/// Waits until `condition` holds, checking every 50 ms, and fails after `timeout` seconds.
func waitUntil(
    _ what: String, timeout: Double = 60, _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw HarnessError("timed out after \(timeout) s waiting until \(what)")
}

extension String {
    /// The lines, without the empty ones.
    var nonEmptyLines: [String] { split(separator: "\n").map(String.init) }

    /// A wrapped message as one line (line breaks as blanks).
    var unwrapped: String { replacingOccurrences(of: "\n", with: " ") }
}

/// File operations for assertions, run on the blocking pool rather than the test's cooperative thread.
enum Files {
    static func list(_ directory: String) async throws -> [String] {
        try await BlockingThreadPool.shared.run { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }
    }

    static func text(_ path: String) async -> String? {
        await BlockingThreadPool.shared.run { try? String(contentsOfFile: path, encoding: .utf8) }
    }

    static func data(_ path: String) async throws -> Data {
        try await BlockingThreadPool.shared.run { try Data(contentsOf: URL(fileURLWithPath: path)) }
    }

    static func write(_ data: Data, to path: String) async throws {
        try await BlockingThreadPool.shared.run { try data.write(to: URL(fileURLWithPath: path)) }
    }

    static func write(_ text: String, to path: String) async throws { try await write(Data(text.utf8), to: path) }

    static func size(_ path: String) async throws -> Int? {
        try await BlockingThreadPool.shared.run { try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int }
    }

    static func linkTarget(_ path: String) async throws -> String {
        try await BlockingThreadPool.shared.run { try FileManager.default.destinationOfSymbolicLink(atPath: path) }
    }
}

/// The authorization ID DB2 gives the user running the tests: the effective user's name, upper-cased.
func currentAuthorizationID() -> String {
    guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "UNKNOWN" }
    return String(cString: name).uppercased()
}
