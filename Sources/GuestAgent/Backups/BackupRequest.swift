import AgentSupport
import OsloRPC

/// A `create_backup` request: Trove's `backup_info` (`id`, `name`, `instance_id`, `datastore`,
/// `datastore_version`, `parent`, ...) and the request's context, whose token reaches Swift and in whose name the
/// conductor is told.
public struct BackupRequest: Sendable {
    /// The backup's id (the object is named after it).
    public var backupID: String
    /// `datastore` and `datastore_version`, stored as the object's metadata as Trove does.
    public var metadata: [String: String]
    /// The request's context.
    public var context: RequestContext

    public init(backupID: String, metadata: [String: String] = [:], context: RequestContext) {
        self.backupID = backupID
        self.metadata = metadata
        self.context = context
    }

    /// Reads `backup_info`.
    ///
    /// - Throws: ``BackupOperationError/invalidBackupInfo(_:)`` when `id` is missing or not a non-empty string.
    public init(backupInfo: [String: JSONValue], context: RequestContext) throws(BackupOperationError) {
        guard let id = backupInfo["id"]?.stringValue, !id.isEmpty else {
            throw .invalidBackupInfo("it has no \"id\" (a non-empty string naming the backup)")
        }
        var metadata: [String: String] = [:]
        for key in ["datastore", "datastore_version"] {
            if let value = backupInfo[key]?.stringValue, !value.isEmpty { metadata[key] = value }
        }
        self.init(backupID: id, metadata: metadata, context: context)
    }
}
