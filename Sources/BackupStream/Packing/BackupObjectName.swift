/// Names of backup objects as Trove forms them: `<backup_id>` + `.gz` when compressed + `.enc` when encrypted,
/// e.g. `1b2c….gz.enc` (Trove's `manifest`, `zip_manifest`, `encrypt_manifest`).
public enum BackupObjectName {
    /// The suffix Trove appends to the backup id: `""`, `".gz"`, `".enc"` or `".gz.enc"`.
    public static func suffix(compressed: Bool, encrypted: Bool) -> String {
        (compressed ? ".gz" : "") + (encrypted ? ".enc" : "")
    }

    /// The object name (Trove's "manifest") for a backup id.
    public static func manifest(backupID: String, compressed: Bool, encrypted: Bool) -> String {
        backupID + suffix(compressed: compressed, encrypted: encrypted)
    }
}
