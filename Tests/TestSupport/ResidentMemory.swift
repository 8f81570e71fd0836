import Foundation

/// The resident set size of process `pid` (`VmRSS` in `/proc/<pid>/status`), in bytes; this process by default.
public func residentBytes(of pid: Int32 = getpid()) throws -> Int64 {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Int64(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    else { throw CocoaError(.fileReadCorruptFile) }
    return kilobytes * 1024
}
