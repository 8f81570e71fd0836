import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OsloRPC

/// Trove's guest logs for DB2 (`guest_log_list`, `guest_log_action`): DB2 defines no datastore logs, so the only log
/// is Trove's `guest` log, the agent's own, of type SYS (always on, never enabled or disabled).
///
/// As in Trove's `GuestLog`, a log is shown only to an admin context unless `[db2] guest_log_exposed_logs` names it
/// (or says `all`); DB2's default exposes none. Anyone else gets `LogAccessForbidden` ("You must be admin to show log
/// 'guest'.") and an empty list. Publishing to Swift is not offered by this agent.
public struct GuestLogMethods: Sendable {
    /// `guest_id`, part of the log's metafile name in Swift.
    public let guestID: String
    /// `datastore_manager` (`db2`).
    public let datastore: String
    /// The agent's log file (`log_dir` / `log_file`); nil when it logs to stderr (the journal) only.
    public let logFile: String?
    /// `[db2] guest_log_exposed_logs` (lower case): the logs non-admins may see.
    public let exposedLogs: Set<String>

    public init(guestID: String, datastore: String = "db2", logFile: String?, exposedLogs: [String]) {
        self.guestID = guestID
        self.datastore = datastore
        self.logFile = logFile
        // Trove reads the option as `lower().replace(',', ' ').split()`.
        self.exposedLogs = Set(
            exposedLogs.flatMap { $0.lowercased().split(whereSeparator: \.isWhitespace).map(String.init) })
    }

    static let guestLog = "guest"

    public var methods: [GuestMethod] {
        [
            GuestMethod("guest_log_list", lane: .prompt) { request, args in
                try args.allowOnly([])
                guard isExposed(to: request) else { return { [] } }
                return { [await show()] }
            },
            GuestMethod("guest_log_action", lane: .prompt) { request, args in
                try args.allowOnly(["log_name", "enable", "disable", "publish", "discard"])
                let name = try args.string("log_name")
                var enable = try args.bool("enable", default: false)
                let disable = try args.bool("disable", default: false)
                let publish = try args.bool("publish", default: false)
                // Nothing is ever published, so discarding (Trove: deleting the published copy) has nothing to remove.
                _ = try args.bool("discard", default: false)
                if enable && disable { throw TroveError.badRequest("Cannot enable and disable log '\(name)'.") }
                if publish && !disable { enable = true }
                guard name == Self.guestLog else { throw TroveError.notFound("Log '\(name)' is not defined.") }
                if !publish && (enable || disable) {
                    throw TroveError.badRequest("Cannot \(enable ? "enable" : "disable") a SYSTEM log ('\(name)').")
                }
                guard isExposed(to: request) else { throw TroveError.logAccessForbidden(action: "show", log: name) }
                if publish {
                    throw TroveError.datastoreOperationNotSupported(operation: "guest_log_action", datastore: datastore)
                }
                return { await show() }
            },
        ]
    }

    /// Trove's `GuestLog.exposed`: named in `guest_log_exposed_logs` (or `all`), or the context is an admin's.
    func isExposed(to request: RPCRequest) -> Bool {
        exposedLogs.contains("all") || exposedLogs.contains(Self.guestLog)
            || request.context.values["is_admin"]?.boolValue == true
    }

    /// Trove's `GuestLog.show()` for a log that was never published: `Ready` with the file's size pending, or
    /// `Unavailable` when there is no log file (or it is empty); container and prefix are the string `None`.
    func show() async -> JSONValue {
        let size: Int64 = await BlockingThreadPool.shared.run { [logFile] in
            var info = stat()
            guard let logFile, stat(logFile, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return 0 }
            return Int64(info.st_size)
        }
        return [
            "name": .string(Self.guestLog), "type": "SYS", "status": size > 0 ? "Ready" : "Unavailable",
            "published": 0, "pending": .int(size), "container": "None", "prefix": "None",
            "metafile": .string("\(guestID)/\(datastore)-\(Self.guestLog)_metafile"),
        ]
    }
}
