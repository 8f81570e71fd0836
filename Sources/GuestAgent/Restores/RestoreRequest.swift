import AgentSupport
import OsloRPC

/// The `backup_info` of `prepare` that asks for a restore (built by Trove's taskmanager: `id`, `instance_id`,
/// `location`, `type`, `checksum`), with the request's context.
public struct RestoreRequest: Sendable {
    /// Trove's restore namespace: an unknown type is reported as Trove does, naming it.
    public static let restoreNamespace = "trove.guestagent.strategies.restore.experimental.db2_impl"

    /// The backup being restored.
    public var backupID: String
    /// Its location (the container and object are the last two path components; the storage URL is the context's).
    public var location: String
    /// The checksum recorded for it, checked before anything is downloaded (when verification is on).
    public var checksum: String?
    /// Its `backup_type` as Trove recorded it (`DB2OnlineBackup`, `DB2OfflineBackupIncremental`, `full`...).
    public var typeName: String
    /// Online or offline, as the type says; nil for Victoria's `full` and `incremental`, which do not say (the
    /// backup's own metadata then does, or the configured strategy). Whether it is incremental is never read
    /// from the type, only from the backup's `parent-location` and chain index, as Trove's own restore does.
    public var type: BackupStrategy?
    /// The request's context.
    public var context: RequestContext
    /// `restore_until`, an extension a control plane may pass: roll forward through the shipped logs to this point
    /// instead of the end of the backup.
    public var until: RestorePoint?

    public init(
        backupID: String, location: String, checksum: String?, type: BackupStrategy?, typeName: String? = nil,
        context: RequestContext, until: RestorePoint? = nil
    ) {
        self.until = until
        self.backupID = backupID
        self.location = location
        self.checksum = checksum
        self.type = type
        self.typeName = typeName ?? type?.rawValue ?? "full"
        self.context = context
    }

    /// The strategy a `backup_type` names: the runner class names this agent reports (Trove's `<Full>Incremental`
    /// naming included), or Victoria's `full`/`incremental` (`.some(nil)`: the type does not say); nil for
    /// anything else.
    static func strategy(named name: String) -> BackupStrategy?? {
        switch name {
        case "full", "incremental": return .some(nil)
        default:
            for strategy in [BackupStrategy.online, .offline] where name == strategy.rawValue || name == strategy.rawValue + "Incremental" {
                return .some(strategy)
            }
            return nil
        }
    }

    /// Reads `backup_info`.
    ///
    /// - Throws: ``TroveError/unknownBackupType(type:namespace:)`` for a type other than `DB2OnlineBackup`,
    ///   `DB2OfflineBackup`, their `...Incremental` forms, `full` and `incremental` (as Trove's `import_class`
    ///   failure is reported);
    ///   ``BackupOperationError/invalidBackupInfo(_:)`` when `location` is missing.
    public init(backupInfo: [String: JSONValue], context: RequestContext) throws {
        let typeName = backupInfo["type"]?.stringValue ?? (backupInfo["type"].map(JSONWriter.string) ?? "None")
        guard let type = Self.strategy(named: typeName) else {
            throw TroveError.unknownBackupType(type: typeName, namespace: Self.restoreNamespace)
        }
        guard let location = backupInfo["location"]?.stringValue, !location.isEmpty else {
            throw BackupOperationError.invalidBackupInfo("it has no \"location\" to restore from")
        }
        let checksum = backupInfo["checksum"]?.stringValue
        var until: RestorePoint?
        switch backupInfo["restore_until"] {
        case nil, .null?: break
        case .string(let text)?:
            guard let point = RestorePoint(text) else {
                throw BackupOperationError.invalidBackupInfo(
                    "its \"restore_until\" (\(text.prefix(64))) is neither an ISO 8601 UTC time (2026-12-07T06:10:00Z) nor \"end-of-logs\"")
            }
            until = point
        case let other?:
            throw BackupOperationError.invalidBackupInfo("its \"restore_until\" is a \(other.typeName), not a string")
        }
        self.init(
            backupID: backupInfo["id"]?.stringValue ?? "unknown", location: location,
            checksum: checksum?.isEmpty == true ? nil : checksum, type: type, typeName: typeName, context: context,
            until: until)
    }
}
