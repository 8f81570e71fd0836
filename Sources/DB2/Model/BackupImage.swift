#if canImport(Glibc)
import Glibc
#endif
import AgentSupport
import FoundationEssentials

/// A DB2 backup image file, named `ALIAS.TYPE.INSTANCE.DBPARTnnn.TIMESTAMP.SEQ` (e.g.
/// `TESTDB.0.db2inst1.DBPART000.20160909123456.001`; DB2 before 9.5: `...NODEnnnn.CATNnnnn...`).
public struct BackupImage: Sendable, Hashable, CustomStringConvertible {
    /// The file's full path.
    public let path: String
    public let database: DatabaseName
    /// The instance that wrote it.
    public let instance: String
    /// `yyyymmddhhmmss`, the value of `TAKEN AT`.
    public let timestamp: String
    /// The sequence number (`001` for a single-file image).
    public let sequence: Int
    /// When the backup that wrote it ended (logs archived before then are in an online image); `nil` for an image
    /// found on disk.
    public var completedAt: Date?
    /// What the backup that wrote it was asked for and took (``BackupImageKind/full`` for an image found on disk:
    /// its name does not say).
    public var kind: BackupImageKind = .full
    /// Why a full image was taken where an incremental or delta was asked for (Db2's refusal), if it was.
    public var fullBecause: String?

    /// The image named by `path`'s last component, or nil when it is not a backup image name.
    public init?(path: String) {
        let file = PathText.lastComponent(path)
        let parts = file.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let partition: Int
        if parts.count == 6, parts[3].hasPrefix("DBPART") {
            partition = 3
        } else if parts.count == 7, parts[3].hasPrefix("NODE"), parts[4].hasPrefix("CATN") {
            partition = 4
        } else {
            return nil
        }
        let stamp = parts[partition + 1]
        let sequence = parts[partition + 2]
        guard stamp.count == 14, stamp.allSatisfy(\.isASCIIDigit), sequence.count == 3,
            sequence.allSatisfy(\.isASCIIDigit), parts[1].count == 1, parts[1].allSatisfy(\.isASCIIDigit),
            let name = try? DatabaseName(parts[0]), name.value == parts[0]
        else { return nil }
        self.path = path
        database = name
        instance = parts[2]
        timestamp = stamp
        self.sequence = Int(sequence) ?? 1
    }

    public var description: String { path }

    /// Two values are the same image when they name the same file: everything else is read from its name, and
    /// ``completedAt`` is what one caller knows of it, not part of its identity.
    public static func == (lhs: BackupImage, rhs: BackupImage) -> Bool { lhs.path == rhs.path }

    public func hash(into hasher: inout Hasher) { hasher.combine(path) }

    /// The file's name (`SAMPLE.0.db2inst1.DBPART000.20260101120000.001`).
    public var fileName: String { PathText.lastComponent(path) }

    /// The images in `directory` (not recursive), oldest first per database.
    ///
    /// Blocking (reads a directory): call it off the cooperative pool.
    public static func list(in directory: String) throws -> [BackupImage] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .compactMap { BackupImage(path: "\(directory)/\($0)") }
            .sorted { ($0.database.value, $0.timestamp, $0.sequence) < ($1.database.value, $1.timestamp, $1.sequence) }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
