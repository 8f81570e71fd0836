import FoundationEssentials
import ObjectStorage

/// A small object that stands for "this backup, rolled forward to this time": what Trove Wallaby and later can
/// import with `backup create --restore-from` (its checksum is the marker's ETag; Trove types it `incremental`
/// because it has a `parent-location`), so that `trove create --backup <marker>` restores to that moment through
/// the stock API. Its metadata: Trove's `parent-location` and `parent-checksum` naming the base backup, and
/// `db2-pitr-target` (ISO 8601 UTC, or `end-of-logs`). Its body is a short JSON note for people.
public struct PointInTimeMarker: Sendable, Equatable {
    static let targetKey = "db2_pitr_target"

    public let baseLocation: String
    public let baseChecksum: String?
    public let target: RestorePoint

    public init(baseLocation: String, baseChecksum: String?, target: RestorePoint) {
        self.baseLocation = baseLocation
        self.baseChecksum = baseChecksum
        self.target = target
    }

    /// The marker `metadata` describes, or nil when it is no marker.
    public init?(metadata: [String: String]) {
        guard let text = metadata[Self.targetKey], let target = RestorePoint(text),
            let parent = ChainMetadata.parent(in: metadata)
        else { return nil }
        self.init(baseLocation: parent.location, baseChecksum: parent.checksum, target: target)
    }

    /// The marker's metadata.
    public var metadata: [String: String] {
        var entries = [ChainMetadata.parentLocationKey: baseLocation, Self.targetKey: target.description]
        if let baseChecksum { entries[ChainMetadata.parentChecksumKey] = baseChecksum }
        return entries
    }
}
