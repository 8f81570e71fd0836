#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Trove's prepare markers (`~/.guestagent.prepare.start` / `.end` in the agent user's home): the end marker says
/// prepare completed, after which heartbeats are sent on their own.
public struct PrepareMarkers: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// The agent user's home (`$HOME`, else the password database's entry), as Trove's `BaseDbStatus` uses `~`.
    public static var home: PrepareMarkers {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty {
            return PrepareMarkers(directory: URL(fileURLWithPath: home))
        }
        return PrepareMarkers(directory: FileManager.default.homeDirectoryForCurrentUser)
    }

    public var startFile: URL { directory.appendingPathComponent(".guestagent.prepare.start") }
    public var endFile: URL { directory.appendingPathComponent(".guestagent.prepare.end") }

    public var prepareCompleted: Bool { FileManager.default.fileExists(atPath: endFile.path) }
    public var prepareStarted: Bool { FileManager.default.fileExists(atPath: startFile.path) }

    public func markStarted() throws { try Data().write(to: startFile, options: .atomic) }
    public func markCompleted() throws { try Data().write(to: endFile, options: .atomic) }
}
