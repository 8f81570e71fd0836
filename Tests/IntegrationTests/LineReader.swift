import AgentSupport
import Foundation
import TestSupport

/// Reads a child's output line by line on a thread of its own and hands the lines to async code, keeping
/// every line for later inspection.
final class LineReader: @unchecked Sendable {
    // @unchecked: `lines` and `waiters` are guarded by `condition`.
    private let condition = NSCondition()
    private var lines: [String] = []
    private var ended = false
    /// Optional copy of everything read, for failure diagnostics.
    let echo: FileHandle?

    init(_ handle: FileHandle, echo: FileHandle? = nil) {
        self.echo = echo
        DedicatedThread.start(name: "line-reader") { [self] in
            var buffer = Data()
            while true {
                let chunk = ChildProcess.read(handle)
                if chunk.isEmpty { break }
                echo?.write(chunk)
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    condition.lock()
                    lines.append(line)
                    condition.broadcast()
                    condition.unlock()
                }
            }
            condition.lock()
            if !buffer.isEmpty { lines.append(String(decoding: buffer, as: UTF8.self)) }
            ended = true
            condition.broadcast()
            condition.unlock()
        }
    }

    var allLines: [String] {
        condition.lock()
        defer { condition.unlock() }
        return lines
    }

    struct Timeout: Error, CustomStringConvertible {
        let what: String
        let seconds: Double
        var description: String { "no line \(what) within \(seconds) s" }
    }

    /// Waits (on a blocking thread) for the first line at index ≥ `from` that satisfies `predicate`; returns its index.
    func waitForLine(
        from start: Int = 0, timeout: Double, describe: String, where predicate: @escaping @Sendable (String) -> Bool
    ) async throws -> (index: Int, line: String) {
        try await onOwnThread("line-wait") { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            condition.lock()
            defer { condition.unlock() }
            var index = start
            while true {
                while index < lines.count {
                    if predicate(lines[index]) { return (index, lines[index]) }
                    index += 1
                }
                if ended || !condition.wait(until: deadline) {
                    if index < lines.count { continue }
                    throw Timeout(what: describe, seconds: timeout)
                }
            }
        }
    }
}
