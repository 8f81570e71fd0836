import Foundation

/// Runs real tools (`tar`, `gzip`, `openssl`, `pigz`) as processes, through `bash -o pipefail -c`, with files for
/// standard input and output so that no pipe can fill up.
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let standardError: String
        var description: String { "`\(command)` exited \(status): \(standardError)" }
    }

    /// Runs `command`; returns its standard error. Throws ``Failure`` on a non-zero exit.
    @discardableResult
    static func run(_ command: String, input: URL? = nil, output: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-o", "pipefail", "-c", command]
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        process.standardError = errorHandle
        if let input { process.standardInput = try FileHandle(forReadingFrom: input) } else {
            process.standardInput = FileHandle.nullDevice
        }
        if let output {
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: output)
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        try errorHandle.close()
        let standardError = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw Failure(command: command, status: process.terminationStatus, standardError: standardError)
        }
        return standardError
    }

    /// Quotes `text` for the shell.
    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
