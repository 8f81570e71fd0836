import AgentSupport
import FoundationEssentials

/// What a ``LocalStorage`` knows of a whole object besides its bytes: a JSON file `.<name>.meta` beside the object
/// `<name>` (as ``LocalManifest`` sits beside a backup's segments), with its MD5, size, metadata and expiry.
///
/// The record is written last and removed first, so it is what makes the object exist: bytes without a record (a
/// put cut short by a crash) are not an object, and are replaced by the next put of that name.
struct LocalObjectRecord: Codable, Equatable {
    static let formatName = "trove-db2-agent/local-object"

    let format: String
    let version: Int
    /// The object's name (``ObjectPath/description``), for a reader of the file.
    let object: String
    /// The MD5 (hex) of the bytes: the object's ETag.
    let checksum: String
    let sizeBytes: Int64
    let metadata: [String: String]
    /// Swift's `X-Delete-At`: from this second on (Unix time) the object is gone.
    let deleteAt: Int64?

    init(object: String, checksum: String, sizeBytes: Int64, metadata: [String: String], deleteAt: Int64?) {
        self.format = Self.formatName
        self.version = 1
        self.object = object
        self.checksum = checksum
        self.sizeBytes = sizeBytes
        self.metadata = metadata
        self.deleteAt = deleteAt
    }

    private enum CodingKeys: String, CodingKey {
        case format, version, object, checksum, sizeBytes = "size_bytes", metadata, deleteAt = "delete_at"
    }

    /// The record's file name for the object file `name`.
    static func fileName(for name: String) -> String { "." + name + ".meta" }

    /// The most bytes a record may have (Swift's metadata limits keep real ones far below).
    static let maximumBytes = 64 * 1024

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// Decodes and checks a record read from `path`.
    ///
    /// - Throws: ``ObjectStorageError/invalidManifest(object:reason:)`` when it is not one of ours.
    static func decode(_ bytes: [UInt8], path: String) throws(ObjectStorageError) -> LocalObjectRecord {
        let record: LocalObjectRecord
        do {
            record = try JSONDecoder().decode(LocalObjectRecord.self, from: Data(bytes))
        } catch {
            throw .invalidManifest(object: path, reason: "not a trove-db2-agent object record: \(error)")
        }
        guard record.format == formatName, record.version == 1 else {
            throw .invalidManifest(object: path, reason: "unknown format \(record.format) v\(record.version)")
        }
        guard ObjectNaming.isMD5(record.checksum), record.sizeBytes >= 0 else {
            throw .invalidManifest(object: path, reason: "no valid MD5 and size")
        }
        return record
    }
}
