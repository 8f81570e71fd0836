import AgentSupport
import DB2

/// The first member of every backup's archive (`trove-db2-manifest.json`, beside the images): what the backup was
/// meant to hold, written before its first image. It is authoritative where the object's metadata is only an
/// index (Swift limits metadata to 256 bytes a value and 4 KiB in all, and Trove's own agent lost it on large
/// objects); a restore checks the two agree. The images' timestamps are not in it (Db2 gives them only when each
/// BACKUP ends): they are the images' file names, and the metadata written at the end of the upload.
///
/// Trove's restore pipeline ignores it: it restores the `*.001` files it finds.
public struct BackupManifest: Sendable, Equatable {
    /// Its name in the archive.
    public static let memberName = "trove-db2-manifest.json"
    static let format = "trove-db2-agent backup 1"

    /// One database's planned image.
    public struct Entry: Sendable, Equatable {
        public let database: DatabaseName
        public let kind: BackupImageKind
        /// The timestamp of the image it builds on (nil for full).
        public let base: String?

        public init(database: DatabaseName, kind: BackupImageKind, base: String?) {
            self.database = database
            self.kind = kind
            self.base = kind == .full ? nil : base
        }
    }

    public var backupID: String
    public var online: Bool
    public var parentLocation: String?
    public var parentChecksum: String?
    public var root: String?
    public var entries: [Entry]

    public init(
        backupID: String, online: Bool, parentLocation: String?, parentChecksum: String?, root: String?,
        entries: [Entry]
    ) {
        self.backupID = backupID
        self.online = online
        self.parentLocation = parentLocation
        self.parentChecksum = parentChecksum
        self.root = root
        self.entries = entries
    }

    public var json: [UInt8] {
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let value: JSONValue = .object([
            "format": .string(Self.format),
            "backup_id": .string(backupID),
            "backup": .string(online ? "online" : "offline"),
            "parent": parentLocation.map { .object(["location": .string($0), "checksum": optional(parentChecksum)]) }
                ?? .null,
            "root": optional(root),
            "databases": .array(entries.map { entry in
                .object([
                    "database": .string(entry.database.value), "kind": .string(entry.kind.rawValue),
                    "base": optional(entry.base),
                ])
            }),
        ])
        return JSONWriter.bytes(value)
    }

    /// Reads a manifest (untrusted: every field checked).
    ///
    /// - Throws: ``BackupOperationError/invalidManifest(_:)`` naming what is wrong.
    public init(json bytes: [UInt8]) throws(BackupOperationError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .invalidManifest("it is not JSON: \(error)") }
        guard value["format"]?.stringValue == Self.format else {
            throw .invalidManifest("its format is not \"\(Self.format)\"")
        }
        guard let id = value["backup_id"]?.stringValue,
            let backup = value["backup"]?.stringValue, backup == "online" || backup == "offline",
            let list = value["databases"]?.arrayValue
        else { throw .invalidManifest("backup_id, backup or databases is missing or of the wrong type") }
        var entries: [Entry] = []
        for item in list {
            guard let name = item["database"]?.stringValue, let database = try? DatabaseName(name),
                database.value == name, let kind = item["kind"]?.stringValue.flatMap(BackupImageKind.init(rawValue:))
            else { throw .invalidManifest("a database entry has no valid database or kind") }
            let base = item["base"]?.stringValue
            if kind != .full { guard let base, ChainImage.isTimestamp(base) else {
                throw .invalidManifest("the \(kind.rawValue) image of \(name) names no base timestamp")
            } }
            guard !entries.contains(where: { $0.database == database }) else {
                throw .invalidManifest("\(name) is listed twice")
            }
            entries.append(Entry(database: database, kind: kind, base: base))
        }
        self.init(
            backupID: id, online: backup == "online", parentLocation: value["parent"]?["location"]?.stringValue,
            parentChecksum: value["parent"]?["checksum"]?.stringValue, root: value["root"]?.stringValue,
            entries: entries)
    }
}
