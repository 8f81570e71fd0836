import CryptoPrimitives

/// What ``BackupUnpacker`` did.
public struct UnpackSummary: Sendable, Equatable {
    /// Bytes read from the source (the stored stream).
    public var inputBytes: Int64
    /// Bytes of tar stream after decryption and decompression.
    public var archiveBytes: Int64
    /// Regular files restored (hard links not included).
    public var files: Int
    /// Directories restored, the root (the target itself) included.
    public var directories: Int
    /// Symbolic and hard links restored.
    public var links: Int
    /// The key-derivation digest that decrypted the stream (`nil` when it was not encrypted).
    public var digest: KeyDerivationDigest?
    /// Wall-clock time from start to the last directory's metadata.
    public var elapsed: Duration
}

/// Progress of a running unpack, reported as chunks arrive from the source.
public struct UnpackProgress: Sendable, Equatable {
    /// Bytes read from the source so far.
    public var inputBytes: Int64
}
