import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OsloRPC

/// A backup or restore in progress, as the ``OperationJournal`` keeps it: enough to clean up after a crash and to
/// tell the conductor what happened.
///
/// The record holds the request context, token included: after a crash the agent needs it to delete a partial
/// upload from Swift and to report in the request's name. Journal files are therefore readable by the agent's
/// user only (mode 0600), and the record's `description` never shows the context.
public struct OperationRecord: Sendable, Equatable, CustomStringConvertible {
    /// What kind of operation.
    public enum Kind: String, Sendable {
        case backup
        case restore
    }

    /// Where the operation stands.
    public enum Phase: String, Sendable {
        /// Working: a crash now means the operation failed half-way.
        case running
        /// Finished; its final `update_backup` (``report``) is not confirmed by the broker yet.
        case reporting
    }

    public var kind: Kind
    /// The backup's id (the backup being made, or the one being restored).
    public var id: String
    public var phase: Phase
    /// What is being done right now, in words (`BACKUP DATABASE ORDERS`, `upload`, `RESTORE DATABASE SAMPLE`).
    public var step: String
    /// The backup's object name (`<id>.gz.enc`) in the store.
    public var objectName: String?
    /// The backup's location (restores).
    public var location: String?
    /// The request's context (for the store's credentials and the conductor).
    public var context: RequestContext
    /// The final `update_backup` fields, once known (phase ``Phase/reporting``).
    public var report: [String: JSONValue]?
    /// When the operation started (seconds since the epoch).
    public var startedAt: Double
    /// Starts that tried to finish this operation after a crash, and failed (to clean up or to report).
    public var recoveryAttempts: Int

    public init(
        kind: Kind, id: String, phase: Phase = .running, step: String, objectName: String? = nil,
        location: String? = nil, context: RequestContext, report: [String: JSONValue]? = nil,
        startedAt: Double = Date().timeIntervalSince1970, recoveryAttempts: Int = 0
    ) {
        self.kind = kind
        self.id = id
        self.phase = phase
        self.step = step
        self.objectName = objectName
        self.location = location
        self.context = context
        self.report = report
        self.startedAt = startedAt
        self.recoveryAttempts = recoveryAttempts
    }

    public var description: String { "\(kind) \(id) (\(phase), \(step))" }

    /// The record as JSON.
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "version": 1, "kind": .string(kind.rawValue), "id": .string(id), "phase": .string(phase.rawValue),
            "step": .string(step), "context": .object(context.values), "started_at": .double(startedAt),
            "recovery_attempts": .int(Int64(recoveryAttempts)),
        ]
        if let objectName { object["object_name"] = .string(objectName) }
        if let location { object["location"] = .string(location) }
        if let report { object["report"] = .object(report) }
        return .object(object)
    }

    /// Reads a record written by ``json``.
    ///
    /// - Throws: ``OperationJournalError/corrupt(path:reason:)``.
    init(json: JSONValue, path: String) throws(OperationJournalError) {
        func string(_ key: String) throws(OperationJournalError) -> String {
            guard let value = json[key]?.stringValue else { throw .corrupt(path: path, reason: "no \(key)") }
            return value
        }
        guard let kind = Kind(rawValue: try string("kind")) else {
            throw .corrupt(path: path, reason: "unknown kind \(json["kind"].map(JSONWriter.string) ?? "")")
        }
        guard let phase = Phase(rawValue: try string("phase")) else {
            throw .corrupt(path: path, reason: "unknown phase \(json["phase"].map(JSONWriter.string) ?? "")")
        }
        guard let context = json["context"]?.objectValue else { throw .corrupt(path: path, reason: "no context") }
        self.init(
            kind: kind, id: try string("id"), phase: phase, step: try string("step"),
            objectName: json["object_name"]?.stringValue, location: json["location"]?.stringValue,
            context: RequestContext(values: context), report: json["report"]?.objectValue,
            startedAt: json["started_at"]?.doubleValue ?? 0,
            recoveryAttempts: Int(json["recovery_attempts"]?.intValue ?? 0))
    }
}
