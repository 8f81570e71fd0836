/// A backup written by ``BackupStorage/save(objectName:from:metadata:progress:)``: what Trove records for it.
public struct StoredBackup: Sendable, Equatable {
    /// Where it is: `<storage URL>/<container>/<object>` for Swift (as Trove forms it), `file://...` for local.
    public let location: String
    /// The checksum Trove stores and checks on restore: the MD5 of the single segment, or the MD5 of the
    /// concatenated hex MD5s of all segments (the SLO manifest's ETag).
    public let checksum: String
    /// Bytes stored (the stream's length).
    public let size: Int64
    /// The segments in order. A single-segment Swift backup is one plain object: its one entry is the object itself.
    public let segments: [StoredSegment]

    public init(location: String, checksum: String, size: Int64, segments: [StoredSegment]) {
        self.location = location
        self.checksum = checksum
        self.size = size
        self.segments = segments
    }
}

/// One stored segment: its object name, MD5 (hex) and size.
public struct StoredSegment: Sendable, Equatable {
    public let name: String
    public let md5: String
    public let size: Int64

    public init(name: String, md5: String, size: Int64) {
        self.name = name
        self.md5 = md5
        self.size = size
    }
}

/// What a stored backup says about itself (Trove's `load_metadata`).
public struct StoredObjectInfo: Sendable, Equatable {
    /// The object's checksum (its ETag without quotes).
    public let checksum: String
    /// Its size in bytes.
    public let size: Int64
    /// Its `X-Object-Meta-*` metadata, keys lower-cased with `-` turned into `_` (as Trove reads them).
    public let metadata: [String: String]

    public init(checksum: String, size: Int64, metadata: [String: String]) {
        self.checksum = checksum
        self.size = size
        self.metadata = metadata
    }
}
