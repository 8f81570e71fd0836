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
    /// Trove's `parent`: the backup this one should build on (an incremental backup was asked for).
    public var parent: ParentBackup?
    /// The request has Victoria's shape (`swift_url` or `storage_driver` in `backup_info`): `backup_type` is then
    /// `full` or `incremental`, not a runner's class name.
    public var namesTypesByKind: Bool

    /// Trove's `backup_info['parent']`.
    public struct ParentBackup: Sendable, Equatable {
        public var location: String
        /// The checksum Trove recorded for it (checked against its ETag).
        public var checksum: String?

        public init(location: String, checksum: String?) {
            self.location = location
            self.checksum = checksum
        }
    }

    public init(
        backupID: String, metadata: [String: String] = [:], context: RequestContext, parent: ParentBackup? = nil,
        namesTypesByKind: Bool = false
    ) {
        self.backupID = backupID
        self.metadata = metadata
        self.context = context
        self.parent = parent
        self.namesTypesByKind = namesTypesByKind
    }

    /// Reads `backup_info`.
    ///
    /// - Throws: ``BackupOperationError/invalidBackupInfo(_:)`` when `id` is missing or not a non-empty string, or
    ///   `parent` is neither null nor an object with a non-empty string `location` (and a string or null
    ///   `checksum`).
    public init(backupInfo: [String: JSONValue], context: RequestContext) throws(BackupOperationError) {
        guard let id = backupInfo["id"]?.stringValue, !id.isEmpty else {
            throw .invalidBackupInfo("it has no \"id\" (a non-empty string naming the backup)")
        }
        var metadata: [String: String] = [:]
        for key in ["datastore", "datastore_version"] {
            if let value = backupInfo[key]?.stringValue, !value.isEmpty { metadata[key] = value }
        }
        var parent: ParentBackup?
        switch backupInfo["parent"] {
        case nil, .null?: break
        case .object(let fields)?:
            guard let location = fields["location"]?.stringValue, !location.isEmpty else {
                throw .invalidBackupInfo("its \"parent\" has no \"location\" (a non-empty string)")
            }
            let checksum: String?
            switch fields["checksum"] {
            case nil, .null?: checksum = nil
            case .string(let text)?: checksum = text.isEmpty ? nil : text
            case let other?: throw .invalidBackupInfo("its parent's \"checksum\" is a \(other.typeName), not a string")
            }
            parent = ParentBackup(location: location, checksum: checksum)
        case let other?:
            throw .invalidBackupInfo("its \"parent\" is a \(other.typeName), not an object with location and checksum")
        }
        self.init(
            backupID: id, metadata: metadata, context: context, parent: parent,
            namesTypesByKind: backupInfo["swift_url"] != nil || backupInfo["storage_driver"] != nil)
    }
}
