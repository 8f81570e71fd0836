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
    /// Runs `executable` with `arguments` to completion (on a blocking thread), feeding `input` on stdin.
    public static func run(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        input: Data? = nil, workingDirectory: URL? = nil
    ) async throws -> ProcessResult {
        // A thread of its own: waiting for a child must not hold one of the cooperative pool's few threads.
        try await withCheckedThrowingContinuation { continuation in
            DedicatedThread.start(name: "test-process") {
                continuation.resume(with: Result { try runBlocking(executable, arguments, environment, input, workingDirectory) })
            }
        }
    }

    private static func runBlocking(
        _ executable: String, _ arguments: [String], _ environment: [String: String]?, _ input: Data?,
        _ workingDirectory: URL?
    ) throws -> ProcessResult {
        do {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            if let environment {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
            if let workingDirectory { process.currentDirectoryURL = workingDirectory }
            let stdout = Pipe()
            let stderr = Pipe()
            let stdin = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = stdin
            try process.run()
            if let input { stdin.fileHandleForWriting.write(input) }
            try stdin.fileHandleForWriting.close()
            // Read both pipes concurrently so neither can fill up and block the child.
            nonisolated(unsafe) var errData = Data()
            let group = DispatchGroup()
            group.enter()
            DispatchQueue.global().async {
                errData = stderr.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
            let outData = stdout.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            return ProcessResult(
                status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                stderr: String(decoding: errData, as: UTF8.self))
        }
    }
}
