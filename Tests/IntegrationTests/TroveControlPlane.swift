import AgentSupport
import Foundation
import Synchronization
import TestSupport

/// Trove 13.0.0's own control plane (Tests/Interop/trove13_peer.py in `.venv-trove13`): Trove's database on SQLite,
/// Trove's conductor consuming on a topic of this test's own, and Trove's API and taskmanager code to call guests.
///
/// Commands are answered in order; the conductor's reports (what Trove did with each message a guest cast to it)
/// arrive on the same output and are kept for ``waitForConductor(after:timeout:_:where:)``.
final class TroveControlPlane: @unchecked Sendable {
    // @unchecked: `child`, `output` and `directory` are set once in init; `nextID` is guarded by `idLock`; writes to
    // stdin are serialised by `writeLock`.
    private let child: ChildProcess
    private let output: LineReader
    private let writeLock = Mutex(())
    private let idLock = Mutex(0)
    let directory: URL
    let conductorTopic = "trove-conductor-\(UUID().uuidString.prefix(8))"
    let url: String

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/trove13_peer.py").path
    }

    /// Starts the control plane (Trove's migrations, then its conductor) and waits until the conductor consumes.
    init(port: Int) async throws {
        directory = try makeTemporaryDirectory(prefix: "trove13")
        url = PythonPeer.amqpURL(port: port)
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONWARNINGS"] = "ignore"
        environment["PYTHONUNBUFFERED"] = "1"
        child = try ChildProcess(
            try TestEnvironment.trove13Python(),
            [Self.script, "--url", url, "--conductor-topic", conductorTopic, "--state-dir", directory.path],
            environment: environment, stdin: .pipe, stdout: .pipe,
            stderr: .file(directory.appendingPathComponent("stderr.log")))
        output = LineReader(child.standardOutput!)
        _ = try await output.waitForLine(timeout: 120, describe: "READY from trove13_peer.py") { $0.contains("READY") }
    }

    deinit {
        try? child.standardInput?.close()
        child.kill()
        // TEST_KEEP_DIRS=1 keeps Trove's database, trove.conf and trove.log for a post-mortem.
        if TestEnvironment.optional("TEST_KEEP_DIRS") == nil { try? FileManager.default.removeItem(at: directory) }
    }

    /// A failed command: what Trove's caller saw (`class`, `module`, `message`, and a GuestError's remote `cause`).
    struct Failure: Error, CustomStringConvertible {
        let answer: JSONValue
        var description: String { "Trove's control plane failed: \(JSONWriter.string(answer))" }
    }

    /// Sends one command; returns the whole answer (`ok`, and `result` or the failure).
    func send(_ op: String, _ fields: [String: JSONValue] = [:], timeout: Double = 120) async throws -> JSONValue {
        let id = idLock.withLock { (value: inout Int) -> Int in
            value += 1
            return value
        }
        var command = fields
        command["op"] = .string(op)
        command["seq"] = .int(Int64(id))
        let request = Data((JSONWriter.string(.object(command)) + "\n").utf8)
        let handle = child.standardInput!
        writeLock.withLock { _ in handle.write(request) }
        let (_, line) = try await output.waitForLine(timeout: timeout, describe: "the answer to \(op)") { line in
            guard line.hasPrefix("{\"reply\""), let value = try? JSONParser.parse(line) else { return false }
            return value["reply"] == .int(Int64(id))
        }
        return try JSONParser.parse(line)
    }

    /// Sends one command that must succeed; returns its result.
    @discardableResult
    func run(_ op: String, _ fields: [String: JSONValue] = [:], timeout: Double = 120) async throws -> JSONValue {
        let answer = try await send(op, fields, timeout: timeout)
        guard answer["ok"] == true else { throw Failure(answer: answer) }
        return answer["result"] ?? .null
    }

    /// One method of `trove.guestagent.api.API` (the name Trove's services call, e.g. `get_volume_info`).
    func guest(
        _ instance: String, _ method: String, _ args: [String: JSONValue] = [:], context: [String: JSONValue] = [:],
        notification: String? = nil, timeout: Double = 120
    ) async throws -> JSONValue {
        var fields: [String: JSONValue] = [
            "instance": .string(instance), "method": .string(method), "args": .object(args), "context": .object(context),
        ]
        if let notification { fields["notification"] = .string(notification) }
        return try await send("guest", fields, timeout: timeout)
    }

    /// An action of the API's database and user controllers (`databases`, `users`, `user_access`).
    func rest(
        _ instance: String, _ controller: String, _ action: String, body: JSONValue? = nil, id: String? = nil,
        userID: String? = nil, query: [String: JSONValue] = [:], context: [String: JSONValue] = [:]
    ) async throws -> JSONValue {
        var fields: [String: JSONValue] = [
            "instance": .string(instance), "controller": .string(controller), "action": .string(action),
            "query": .object(query), "context": .object(context),
        ]
        if let body { fields["body"] = body }
        if let id { fields["id"] = .string(id) }
        if let userID { fields["user_id"] = .string(userID) }
        return try await send("rest", fields)
    }

    /// The conductor's reports so far, in order.
    var conductorReports: [JSONValue] {
        output.allLines.filter { $0.hasPrefix("{\"conductor\"") }.compactMap { try? JSONParser.parse($0)["conductor"] }
    }

    /// How many lines the peer printed so far (a starting point for ``waitForConductor(after:timeout:_:where:)``).
    var linesSoFar: Int { output.allLines.count }

    /// Waits for a conductor report matching `predicate`, printed at or after line `index`.
    @discardableResult
    func waitForConductor(
        after index: Int = 0, timeout: Double = 60, _ describe: String,
        where predicate: @escaping @Sendable (JSONValue) -> Bool
    ) async throws -> JSONValue {
        let (_, line) = try await output.waitForLine(from: index, timeout: timeout, describe: describe) { line in
            guard line.hasPrefix("{\"conductor\""), let report = try? JSONParser.parse(line)["conductor"] else {
                return false
            }
            return predicate(report)
        }
        return try JSONParser.parse(line)["conductor"] ?? .null
    }
}
