import AgentSupport
import Foundation

/// Runs a helper program for a test and collects what it printed.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var succeeded: Bool { status == 0 }
}

public enum ProcessRunner {
    /// Runs `executable` (a path) with `arguments` to completion, feeding `input` on stdin; `environment` entries are
    /// added to the test's own.
    public static func run(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil, input: Data? = nil
    ) async throws -> ProcessResult {
        let merged = environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } }
        let child = try ChildProcess(
            executable, arguments, environment: merged, stdin: input == nil ? .null : .pipe)
        return try await withCheckedThrowingContinuation { continuation in
            DedicatedThread.start(name: "test-process") {
                if let input, let stdin = child.standardInput {
                    stdin.write(input)
                    try? stdin.close()
                }
                // Read both pipes concurrently so neither can fill up and block the child.
                let errors = BoundedChunkPipe(capacity: 1)
                DedicatedThread.start(name: "test-stderr") {
                    let data = child.standardError.map(ChildProcess.readToEnd) ?? Data()
                    try? errors.write(Array(data))
                    try? errors.finish()
                }
                let output = child.standardOutput.map(ChildProcess.readToEnd) ?? Data()
                var errorBytes: [UInt8] = []
                while let chunk = try? errors.nextChunk() { errorBytes += chunk }
                let status = child.waitBlocking() ?? -1
                continuation.resume(returning: ProcessResult(
                    status: status, stdout: String(decoding: output, as: UTF8.self),
                    stderr: String(decoding: errorBytes, as: UTF8.self)))
            }
        }
    }
}
