/// How a backup ended, as the conductor was told.
public enum BackupOutcome: Sendable, Equatable {
    /// Stored and verified: `COMPLETED` with this location and checksum; `bytes` were stored.
    case completed(location: String, checksum: String, bytes: Int64)
    /// `FAILED` with this note.
    case failed(note: String)
}
