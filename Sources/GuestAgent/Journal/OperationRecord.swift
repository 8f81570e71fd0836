import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OsloRPC

/// A backup or restore in progress, as the ``OperationJournal`` keeps it: enough to finish it after a crash and to
/// tell the conductor what happened, exactly once.
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

    /// An image a stored backup carries, for removing the archived logs it holds once the backup is verified.
    public struct CarriedImage: Sendable, Equatable {
        public var database: String
        public var timestamp: String
        /// When its backup ended (logs archived before then are in the image), seconds since the epoch.
        public var completedAt: Double?

        public init(database: String, timestamp: String, completedAt: Double?) {
            self.database = database
            self.timestamp = timestamp
            self.completedAt = completedAt
        }
    }

    /// The state a restore's record is in while it runs.
    public static let restoring = "restoring"

    public var kind: Kind
    /// The backup's id (the backup being made, or the one being restored).
    public var id: String
    /// A backup's ``BackupState`` (its raw value), or ``restoring``.
    public var state: String
    /// What is being done right now, in words (`BACKUP DATABASE ORDERS`, `upload`, `RESTORE DATABASE SAMPLE`).
    public var step: String
    /// The backup's object name (`<id>.gz.enc`) in the store.
    public var objectName: String?
    /// The backup's location (restores).
    public var location: String?
    /// The request's context (for the store's credentials and the conductor).
    public var context: RequestContext
    /// The final `update_backup` fields, once known.
    public var report: [String: JSONValue]?
    /// The `sent` of the final report, fixed when it was recorded (a report sent again keeps it).
    public var reportSent: Double?
    /// The final report reached the conductor's queue.
    public var reported: Bool
    /// An offline backup may have left the instance quiesced (set before `QUIESCE`, cleared after `UNQUIESCE`).
    public var quiesced: Bool
    /// The images the stored backup carries (state ``BackupState/stored``).
    public var images: [CarriedImage]
    /// When the operation started (seconds since the epoch).
    public var startedAt: Double

    public init(
        kind: Kind, id: String, state: String, step: String, objectName: String? = nil, location: String? = nil,
        context: RequestContext, report: [String: JSONValue]? = nil, reportSent: Double? = nil, reported: Bool = false,
        quiesced: Bool = false, images: [CarriedImage] = [], startedAt: Double = Date().timeIntervalSince1970
    ) {
        self.kind = kind
        self.id = id
        self.state = state
        self.step = step
        self.objectName = objectName
        self.location = location
        self.context = context
        self.report = report
        self.reportSent = reportSent
        self.reported = reported
        self.quiesced = quiesced
        self.images = images
        self.startedAt = startedAt
    }

    /// A backup's state; `nil` for a restore, or a state this version does not know.
    public var backupState: BackupState? { kind == .backup ? BackupState(rawValue: state) : nil }

    public var description: String { "\(kind) \(id) (\(state), \(step))" }

    /// The record as JSON.
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "version": 2, "kind": .string(kind.rawValue), "id": .string(id), "state": .string(state),
            "step": .string(step), "context": .object(context.values), "started_at": .double(startedAt),
            "reported": .bool(reported), "quiesced": .bool(quiesced),
        ]
        if let objectName { object["object_name"] = .string(objectName) }
        if let location { object["location"] = .string(location) }
        if let report { object["report"] = .object(report) }
        if let reportSent { object["report_sent"] = .double(reportSent) }
        if !images.isEmpty {
            object["images"] = .array(images.map { image in
                var entry: [String: JSONValue] = [
                    "database": .string(image.database), "timestamp": .string(image.timestamp),
                ]
                if let completedAt = image.completedAt { entry["completed_at"] = .double(completedAt) }
                return .object(entry)
            })
        }
        return .object(object)
    }

    /// Reads a record written by ``json`` (or by version 1, whose `phase` maps onto the states).
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
        guard let context = json["context"]?.objectValue else { throw .corrupt(path: path, reason: "no context") }
        let report = json["report"]?.objectValue
        let state: String
        if let written = json["state"]?.stringValue {
            state = written
        } else {
            // Version 1: `phase` running (working) or reporting (ended; its report not confirmed).
            switch (kind, json["phase"]?.stringValue, report?["state"]?.stringValue) {
            case (.restore, _, _): state = Self.restoring
            case (.backup, "reporting", "COMPLETED"): state = BackupState.cleanedLocally.rawValue
            case (.backup, "reporting", _): state = BackupState.failed.rawValue
            case (.backup, _, _): state = BackupState.streaming.rawValue
            }
        }
        if kind == .backup, BackupState(rawValue: state) == nil {
            throw .corrupt(path: path, reason: "unknown backup state \(state)")
        }
        let images = (json["images"]?.arrayValue ?? []).compactMap { entry -> CarriedImage? in
            guard let database = entry["database"]?.stringValue, let timestamp = entry["timestamp"]?.stringValue else {
                return nil
            }
            return CarriedImage(database: database, timestamp: timestamp, completedAt: entry["completed_at"]?.doubleValue)
        }
        self.init(
            kind: kind, id: try string("id"), state: state, step: try string("step"),
            objectName: json["object_name"]?.stringValue, location: json["location"]?.stringValue,
            context: RequestContext(values: context), report: report, reportSent: json["report_sent"]?.doubleValue,
            reported: json["reported"]?.boolValue ?? false, quiesced: json["quiesced"]?.boolValue ?? false,
            images: images, startedAt: json["started_at"]?.doubleValue ?? 0)
    }
}
