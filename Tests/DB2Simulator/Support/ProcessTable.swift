import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process named by its pid and its start time (clock ticks since boot, field 22 of `/proc/<pid>/stat`), so that a
/// pid the kernel hands out again is not mistaken for the process that had it before.
struct ProcessIdentity: Codable, Hashable, Sendable, CustomStringConvertible {
    let pid: Int32
    let startTime: UInt64

    /// The process running this code.
    static var current: ProcessIdentity? { ProcessTable.identity(of: getpid()) }

    /// The parent of the process running this code: the key of the CLP back-end, as in DB2.
    static var parent: ProcessIdentity? { ProcessTable.identity(of: getppid()) }

    /// True while this very process (not a later one with the same pid) runs and is not a zombie.
    var isAlive: Bool {
        guard let now = ProcessTable.identity(of: pid) else { return false }
        return now.startTime == startTime && ProcessTable.state(of: pid) != "Z"
    }

    var description: String { "\(pid)-\(startTime)" }
}

/// Reads `/proc`.
enum ProcessTable {
    /// The pid and start time of a live process, or nil when there is none.
    static func identity(of pid: Int32) -> ProcessIdentity? {
        guard let fields = statFields(of: pid), fields.count > 19, let start = UInt64(fields[19]) else { return nil }
        return ProcessIdentity(pid: pid, startTime: start)
    }

    /// The one-letter state of a process (`R`, `S`, `Z`, ...).
    static func state(of pid: Int32) -> String? { statFields(of: pid)?.first }

    /// The command name the kernel keeps for a process (what `ps -o comm` shows).
    static func commandName(of pid: Int32) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return nil }
        return text.trimmingCharacters(in: .newlines)
    }

    static func isAlive(pid: Int32) -> Bool { state(of: pid).map { $0 != "Z" } ?? false }

    /// The fields of `/proc/<pid>/stat` after the command name (field 3 onwards).
    private static func statFields(of pid: Int32) -> [String]? {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }
}
