/// What ``BackupPacker`` did.
public struct PackSummary: Sendable, Equatable {
    /// Bytes of tar stream (the uncompressed input of compression).
    public var archiveBytes: Int64
    /// Bytes written to the sink (after compression and encryption).
    public var outputBytes: Int64
    /// Regular files archived (hard links not included).
    public var files: Int
    /// Directories archived, the root included.
    public var directories: Int
    /// Wall-clock time from start to the sink's `finish()`.
    public var elapsed: Duration
    /// CPU and waiting time of each stage of the pipeline.
    public var stages = PackStageTimes()
}

/// Progress of a running pack, reported after each block leaves the pipeline.
public struct PackProgress: Sendable, Equatable {
    /// Bytes of tar stream processed so far.
    public var archiveBytes: Int64
    /// Bytes written to the sink so far.
    public var outputBytes: Int64
}
