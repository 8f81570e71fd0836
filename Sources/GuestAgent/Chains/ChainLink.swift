import ObjectStorage

/// One backup of a chain as its HEAD shows it, checked against the checksum its child (or the request) recorded.
public struct ChainLink: Sendable {
    public let location: String
    /// The checksum it was checked against (nil when none was recorded).
    public let checksum: String?
    public let info: StoredObjectInfo
    /// The agent's index in its metadata; nil for a backup the agent knows nothing about.
    public let index: ChainMetadata?

    public init(location: String, checksum: String?, info: StoredObjectInfo) {
        self.location = location
        self.checksum = checksum
        self.info = info
        index = ChainMetadata(metadata: info.metadata)
    }

    /// Its parent, as Trove's `parent_location` and `parent_checksum` name it.
    public var parent: (location: String, checksum: String?)? { ChainMetadata.parent(in: info.metadata) }
}
