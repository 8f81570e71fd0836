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
    /// Its `backup_type`: which restore runs.
    public var type: BackupStrategy
    /// The request's context.
    public var context: RequestContext

    public init(
        backupID: String, location: String, checksum: String?, type: BackupStrategy,
        context: RequestContext
    ) {
        self.backupID = backupID
        self.location = location
        self.checksum = checksum
        self.type = type
        self.context = context
    }

    /// Reads `backup_info`.
    ///
    /// - Throws: ``TroveError/unknownBackupType(type:namespace:)`` for a type other than `DB2OnlineBackup` and
    ///   `DB2OfflineBackup` (as Trove's `import_class` failure is reported);
    ///   ``BackupOperationError/invalidBackupInfo(_:)`` when `location` is missing.
    public init(backupInfo: [String: JSONValue], context: RequestContext) throws {
        let typeName = backupInfo["type"]?.stringValue ?? (backupInfo["type"].map(JSONWriter.string) ?? "None")
        guard let type = BackupStrategy(rawValue: typeName) else {
            throw TroveError.unknownBackupType(type: typeName, namespace: Self.restoreNamespace)
        }
        guard let location = backupInfo["location"]?.stringValue, !location.isEmpty else {
            throw BackupOperationError.invalidBackupInfo("it has no \"location\" to restore from")
        }
        let checksum = backupInfo["checksum"]?.stringValue
        self.init(
            backupID: backupInfo["id"]?.stringValue ?? "unknown", location: location,
            checksum: checksum?.isEmpty == true ? nil : checksum, type: type, context: context)
    }
}
