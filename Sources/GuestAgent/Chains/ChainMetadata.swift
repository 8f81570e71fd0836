import DB2
import FoundationEssentials

/// What a backup object's metadata says about its place in a chain: Trove's `parent_location` and
/// `parent_checksum` (read as Trove reads them, by `parent-location` and never by `backup_type`), and the agent's
/// own short keys, an index of what the object holds:
///
/// - `db2_kind`: `full`, `incremental` (every non-full image builds on the chain's full images only) or `delta`
///   (some image builds on the parent's);
/// - `db2_backup`: `online` or `offline`;
/// - `db2_root`: the location of the chain's first backup (absent on that one);
/// - `db2_images`, `db2_images_2`, ...: `NAME=TIMESTAMP/kind[@BASE]`, comma separated, split so that no value is
///   longer than Swift's 256 bytes;
/// - for an online backup, `db2_guest` (the guest whose shipped logs continue it) and `db2_logs`, `db2_logs_2`, ...:
///   `NAME=CHAIN/FIRST@END`, per database the log chain, the first log file the image does not hold and the
///   backup's end (Unix milliseconds): where a point-in-time restore picks up the shipped logs.
///
/// The metadata is only an index, read before anything is downloaded: the manifest inside the object
/// (``BackupManifest``) is authoritative, and a restore checks the two agree. Metadata is untrusted input: an
/// entry that does not parse makes the whole index absent, and a backup without an index is treated as one the
/// agent knows nothing about (a full backup of Trove's own agent, for instance).
public struct ChainMetadata: Sendable, Equatable {
    public var parentLocation: String?
    public var parentChecksum: String?
    public var root: String?
    public var online: Bool
    public var images: [ChainImage]
    /// The guest that took the backup (its shipped logs are under `db2logs/<guest>/`).
    public var guest: String?
    /// Per database, where its log stood when its image ended.
    public var logs: [DatabaseName: ImageLogEnd]

    /// Where an online image's log ended: the position, and when the backup ended.
    public struct ImageLogEnd: Sendable, Equatable {
        public let position: LogPosition
        public let endedAt: Date

        public init(position: LogPosition, endedAt: Date) {
            self.position = position
            self.endedAt = endedAt
        }
    }

    public init(
        parentLocation: String?, parentChecksum: String?, root: String?, online: Bool, images: [ChainImage],
        guest: String? = nil, logs: [DatabaseName: ImageLogEnd] = [:]
    ) {
        self.parentLocation = parentLocation
        self.parentChecksum = parentChecksum
        self.root = root
        self.online = online
        self.images = images
        self.guest = guest
        self.logs = logs
    }

    /// The object's kind as `db2_kind` says it.
    public var kind: BackupImageKind {
        if images.contains(where: { $0.kind == .delta }) { return .delta }
        return images.contains(where: { $0.kind == .incremental }) ? .incremental : .full
    }

    /// The image of `database`, if the backup holds one.
    public func image(of database: DatabaseName) -> ChainImage? { images.first { $0.database == database } }

    static let kindKey = "db2_kind"
    static let backupKey = "db2_backup"
    static let rootKey = "db2_root"
    static let imagesKey = "db2_images"
    static let guestKey = "db2_guest"
    static let logsKey = "db2_logs"
    static let parentLocationKey = "parent_location"
    static let parentChecksumKey = "parent_checksum"
    /// Swift's limit on one value.
    static let valueLimit = 256

    /// The metadata entries (keys as Trove writes them, `_` for `-`).
    public var entries: [String: String] {
        var entries: [String: String] = [
            Self.kindKey: kind.rawValue, Self.backupKey: online ? "online" : "offline",
        ]
        if let parentLocation { entries[Self.parentLocationKey] = parentLocation }
        if let parentChecksum { entries[Self.parentChecksumKey] = parentChecksum }
        if let root { entries[Self.rootKey] = root }
        Self.split(
            images.map { image in
                "\(image.database.value)=\(image.timestamp)/\(image.kind.rawValue)" + (image.base.map { "@\($0)" } ?? "")
            }, key: Self.imagesKey, into: &entries)
        if let guest { entries[Self.guestKey] = guest }
        if !logs.isEmpty {
            Self.split(
                logs.sorted { $0.key < $1.key }.map { name, end in
                    "\(name.value)=\(end.position.chain)/\(end.position.firstActiveLog)@\(Int64((end.endedAt.timeIntervalSince1970 * 1000).rounded()))"
                }, key: Self.logsKey, into: &entries)
        }
        return entries
    }

    /// `texts` comma-separated under `key`, `key_2`, ..., no value longer than Swift's limit.
    private static func split(_ texts: [String], key: String, into entries: inout [String: String]) {
        var values: [String] = []
        var current = ""
        for text in texts {
            if !current.isEmpty, current.utf8.count + 1 + text.utf8.count > valueLimit {
                values.append(current)
                current = ""
            }
            current += current.isEmpty ? text : ",\(text)"
        }
        values.append(current)
        for (index, value) in values.enumerated() { entries[index == 0 ? key : "\(key)_\(index + 1)"] = value }
    }

    /// The values of `key`, `key_2`, ... joined and split at commas.
    private static func joined(_ key: String, in metadata: [String: String]) -> [Substring]? {
        guard let first = metadata[key] else { return nil }
        var values = [first]
        var index = 2
        while index <= 100, let more = metadata["\(key)_\(index)"] {
            values.append(more)
            index += 1
        }
        return values.filter { !$0.isEmpty }.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }

    /// The parent named by `metadata` (Trove's keys, as ``StoredObjectInfo/metadata`` gives them), even when the
    /// object has no index of the agent's.
    public static func parent(in metadata: [String: String]) -> (location: String, checksum: String?)? {
        guard let location = metadata[parentLocationKey], !location.isEmpty else { return nil }
        let checksum = metadata[parentChecksumKey].flatMap { $0.isEmpty ? nil : $0 }
        return (location, checksum)
    }

    /// The index `metadata` holds, or nil when it has none or any part of it does not parse.
    public init?(metadata: [String: String]) {
        guard let backup = metadata[Self.backupKey], backup == "online" || backup == "offline",
            let first = metadata[Self.imagesKey]
        else { return nil }
        _ = first
        var images: [ChainImage] = []
        for entry in Self.joined(Self.imagesKey, in: metadata) ?? [] {
            guard let image = Self.parseImage(entry), !images.contains(where: { $0.database == image.database })
            else { return nil }
            images.append(image)
        }
        var logs: [DatabaseName: ImageLogEnd] = [:]
        for entry in Self.joined(Self.logsKey, in: metadata) ?? [] {
            guard let (name, end) = Self.parseLogEnd(entry), logs[name] == nil else { return nil }
            logs[name] = end
        }
        let parent = Self.parent(in: metadata)
        self.init(
            parentLocation: parent?.location, parentChecksum: parent?.checksum,
            root: metadata[Self.rootKey].flatMap { $0.isEmpty ? nil : $0 }, online: backup == "online",
            images: images, guest: metadata[Self.guestKey].flatMap { $0.isEmpty ? nil : $0 }, logs: logs)
        // A recorded kind that contradicts the images is a damaged index.
        if let kind = metadata[Self.kindKey], kind != self.kind.rawValue { return nil }
    }

    /// `NAME=TIMESTAMP/kind[@BASE]`.
    static func parseImage(_ entry: Substring) -> ChainImage? {
        guard let equals = entry.firstIndex(of: "="), let slash = entry.firstIndex(of: "/"), equals < slash,
            let name = try? DatabaseName(String(entry[..<equals])), name.value == entry[..<equals]
        else { return nil }
        let timestamp = entry[entry.index(after: equals)..<slash]
        let rest = entry[entry.index(after: slash)...]
        let kindText = rest.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard isTimestampText(timestamp), let kind = BackupImageKind(rawValue: String(kindText[0])) else { return nil }
        let base = kindText.count > 1 ? kindText[1] : nil
        switch (kind, base) {
        case (.full, nil): break
        case (.incremental, let base?), (.delta, let base?):
            guard isTimestampText(base), base < timestamp else { return nil }
        default: return nil
        }
        return ChainImage(database: name, timestamp: String(timestamp), kind: kind, base: base.map(String.init))
    }

    private static func isTimestampText(_ text: Substring) -> Bool { ChainImage.isTimestamp(text) }

    /// `NAME=CHAIN/FIRST@END`.
    static func parseLogEnd(_ entry: Substring) -> (DatabaseName, ImageLogEnd)? {
        guard let equals = entry.firstIndex(of: "="), let slash = entry.firstIndex(of: "/"),
            let at = entry.firstIndex(of: "@"), equals < slash, slash < at,
            let name = try? DatabaseName(String(entry[..<equals])), name.value == entry[..<equals]
        else { return nil }
        let chain = String(entry[entry.index(after: equals)..<slash])
        guard chain.count == 8, chain.hasPrefix("C"), chain.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }),
            let first = Int(entry[entry.index(after: slash)..<at]), (0...9_999_999).contains(first),
            let milliseconds = Int64(entry[entry.index(after: at)...]), milliseconds > 0
        else { return nil }
        return (name, ImageLogEnd(
            position: LogPosition(chain: chain, firstActiveLog: first),
            endedAt: Date(timeIntervalSince1970: Double(milliseconds) / 1000)))
    }
}
