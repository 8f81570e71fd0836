import AgentSupport
import Foundation
import Synchronization
import OsloRPC
import TestSupport

/// A real oslo.messaging peer (Tests/Interop/peer.py) in the test venv: Trove's taskmanager as an RPC client,
/// or Trove's conductor as an RPC server.
final class PythonPeer: @unchecked Sendable {
    // @unchecked: `child` is set once in init; writes to stdin are serialised by `writeLock`; `nextLine` is
    // only used by one test task at a time.
    private let child: ChildProcess
    private let output: LineReader
    private let writeLock = Mutex(())
    private var nextLine = 0

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/peer.py").path
    }

    static func amqpURL(port: Int) -> String { "rabbit://guest:guest@127.0.0.1:\(port)/" }

    /// Starts `peer.py <role> …` and waits until it prints READY.
    init(_ role: String, url: String, exchange: String = "trove", topic: String, extra: [String] = []) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONWARNINGS"] = "ignore"
        environment["PYTHONUNBUFFERED"] = "1"
        child = try ChildProcess(
            try TestEnvironment.python(),
            [Self.script, role, "--url", url, "--exchange", exchange, "--topic", topic] + extra,
            environment: environment, stdin: .pipe, stdout: .pipe, stderr: .null)
        output = LineReader(child.standardOutput!)
        let ready = try await output.waitForLine(timeout: 60, describe: "READY from peer.py \(role)") {
            $0.contains("READY")
        }
        nextLine = ready.index + 1
    }

    deinit { stop() }

    /// Ends the peer at once (SIGKILL: oslo's threads may ignore SIGTERM) and reaps it.
    func stop() {
        try? child.standardInput?.close()
        child.kill()
    }

    /// Client role: sends one command and returns the peer's answer.
    func send(_ command: JSONValue, timeout: Double = 60) async throws -> JSONValue {
        let request = Data((JSONWriter.string(command) + "\n").utf8)
        let handle = child.standardInput!
        writeLock.withLock { _ in handle.write(request) }
        let (index, line) = try await output.waitForLine(from: nextLine, timeout: timeout, describe: "answer from peer.py") {
            $0.hasPrefix("{")
        }
        nextLine = index + 1
        return try JSONParser.parse(line)
    }

    func call(_ method: String, _ args: [String: JSONValue] = [:], context: [String: JSONValue] = [:], timeout: Double = 15,
              version: String = "1.0") async throws -> JSONValue {
        try await send([
            "op": "call", "method": .string(method), "args": .object(args), "context": .object(context),
            "timeout": .double(timeout), "version": .string(version),
        ], timeout: timeout + 30)
    }

    func cast(_ method: String, _ args: [String: JSONValue] = [:], context: [String: JSONValue] = [:]) async throws {
        let answer = try await send(["op": "cast", "method": .string(method), "args": .object(args), "context": .object(context)])
        guard answer["ok"] == true else { throw PeerFailure(answer: answer) }
    }

    /// Server role: the calls received so far, as `{"method", "args", "context"}`.
    var received: [JSONValue] {
        output.allLines.filter { $0.hasPrefix("{") }.compactMap { try? JSONParser.parse($0) }
    }

    /// Server role: waits for a received call matching `predicate`.
    /// Server role: how many lines the peer printed so far (for ``waitForCall(after:timeout:_:where:)``).
    var linesSoFar: Int { output.allLines.count }

    func waitForCall(
        after index: Int = 0, timeout: Double = 30, _ describe: String,
        where predicate: @escaping @Sendable (JSONValue) -> Bool
    ) async throws -> JSONValue {
        let (_, line) = try await output.waitForLine(from: index, timeout: timeout, describe: describe) { line in
            guard line.hasPrefix("{"), let value = try? JSONParser.parse(line) else { return false }
            return predicate(value)
        }
        return try JSONParser.parse(line)
    }

    struct PeerFailure: Error, CustomStringConvertible {
        let answer: JSONValue
        var description: String { "peer failed: \(JSONWriter.string(answer))" }
    }
}
