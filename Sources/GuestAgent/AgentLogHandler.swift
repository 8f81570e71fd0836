import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Synchronization

/// The agent's log output: one line per record on stderr (and optionally a log file), with the level as a
/// syslog priority prefix (`<6>`) when stderr is the systemd journal, else a timestamp.
///
/// The level is shared by every logger and can change at run time (SIGHUP re-reads it from the config files).
public struct AgentLogHandler: LogHandler {
    /// The level every agent logger uses.
    public static let level = Mutex<Logger.Level>(.info)

    private static let output = Mutex<LogOutput>(LogOutput())

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String) { self.label = label }

    public var logLevel: Logger.Level {
        get { Self.level.withLock { $0 } }
        set { Self.level.withLock { $0 = newValue } }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Also write to `path` (appended). Failing to open it is reported on stderr; logging goes on there.
    public static func addLogFile(_ path: String) {
        output.withLock { $0.openFile(path) }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let text = fields.isEmpty ? "\(event.message)" : "\(event.message) \(fields)"
        let line = "\(event.level.rawValue.uppercased()) [\(label)] \(text)\n"
        Self.output.withLock { $0.write(line, level: event.level) }
    }
}

/// Where log lines go; guarded by ``AgentLogHandler``'s mutex.
struct LogOutput: ~Copyable {
    /// The log file's descriptor, when one is configured.
    private var file: Int32 = -1
    /// stderr is connected to the journal (systemd sets `JOURNAL_STREAM` to stderr's device:inode).
    private let toJournal: Bool = LogOutput.stderrIsJournal()
    private let timestamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    deinit { if file >= 0 { close(file) } }

    mutating func openFile(_ path: String) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            TextOutput.write("WARNING [log] cannot open log file \(path); logging to stderr only\n")
            return
        }
        if file >= 0 { close(file) }
        file = descriptor
    }

    func write(_ line: String, level: Logger.Level) {
        let stamped = "\(Date().formatted(timestamp)) \(line)"
        TextOutput.write(toJournal ? "<\(Self.priority(level))>\(line)" : stamped)
        if file >= 0 { TextOutput.write(stamped, to: file) }
    }

    /// syslog priorities, as sd-daemon(3) reads them from a `<N>` prefix.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func stderrIsJournal() -> Bool {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return stream == "\(info.st_dev):\(info.st_ino)"
    }
}
