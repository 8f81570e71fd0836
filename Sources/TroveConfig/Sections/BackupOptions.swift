import AgentSupport

/// How a backup stream is made: Trove's compression and encryption switches, plus the agent's level and digest.
public struct BackupOptions: Sendable, Equatable {
    /// The digest `openssl enc` key derivation (EVP_BytesToKey) uses.
    public enum Digest: String, Sendable, Equatable {
        /// OpenSSL 1.0's default (Newton-era guest images).
        case md5
        /// OpenSSL >= 1.1's default.
        case sha256
    }

    /// Compress with gzip (`backup_use_gzip_compression`).
    public let useCompression: Bool
    /// Deflate level, 1–12 (`backup_compression_level`).
    public let compressionLevel: Int
    /// Encrypt with AES-256-CBC in `openssl enc` format (`backup_use_openssl_encryption`).
    public let useEncryption: Bool
    /// The passphrase (`backup_aes_cbc_key`).
    public let encryptionKey: Secret<String>
    /// Key-derivation digest for new backups (`backup_encryption_digest`).
    public let encryptionDigest: Digest

    /// What Trove appends to the backup id to name the object: `.gz`, `.enc`, both, or nothing.
    public var objectNameSuffix: String { (useCompression ? ".gz" : "") + (useEncryption ? ".enc" : "") }
}

extension BackupOptions {
    /// - Throws: ``ConfigError`` when encryption is on and the key is empty.
    init(resolved: ResolvedOptions) throws(ConfigError) {
        typealias T = OptionTable
        useCompression = resolved[T.backupUseGzipCompression]
        compressionLevel = resolved[T.backupCompressionLevel]
        useEncryption = resolved[T.backupUseOpenSSLEncryption]
        let key = resolved[T.backupAESCBCKey]
        if useEncryption && key.isEmpty {
            throw resolved.error(
                T.backupAESCBCKey, .invalidValue,
                "is empty while backup_use_openssl_encryption is true: set a key, or turn encryption off")
        }
        encryptionKey = Secret(key)
        encryptionDigest = Digest(rawValue: resolved[T.backupEncryptionDigest]) ?? .sha256
    }
}
