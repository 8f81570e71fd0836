import AgentSupport
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// How to unpack a backup stream. As in Trove, decryption and decompression follow the restoring guest's
/// settings (`backup_use_openssl_encryption`, `backup_use_gzip_compression`), not the object's name.
public struct BackupUnpackOptions: Sendable {
    /// Which key-derivation digest to decrypt with.
    public enum DigestSelection: Sendable, Equatable {
        /// Exactly this digest.
        case digest(KeyDerivationDigest)
        /// Try md5 (OpenSSL 1.0, Newton-era guests), then sha256 (OpenSSL >= 1.1); keep the first whose output
        /// starts like the expected stream (a gzip member that inflates cleanly, or a tar header).
        case automatic
    }

    /// The stream is gzip-compressed (`backup_use_gzip_compression`, default true).
    public var compressed: Bool
    /// The `openssl enc` password; `nil` when the stream is not encrypted.
    public var decryptionKey: Secret<String>?
    /// The key-derivation digest (default: automatic).
    public var digest: DigestSelection
    /// Decompression threads for streams of independent gzip members (default: one per core).
    public var parallelism: Int
    /// Restore owners (by user/group name, else by id); default: when running as root, as tar does.
    public var preserveOwnership: Bool

    public init(
        compressed: Bool = true,
        decryptionKey: Secret<String>? = nil,
        digest: DigestSelection = .automatic,
        parallelism: Int = ProcessInfo.processInfo.activeProcessorCount,
        preserveOwnership: Bool = geteuid() == 0
    ) {
        self.compressed = compressed
        self.decryptionKey = decryptionKey
        self.digest = digest
        self.parallelism = parallelism
        self.preserveOwnership = preserveOwnership
    }

    func validated() throws(BackupStreamError) -> BackupUnpackOptions {
        guard parallelism >= 1 else { throw .invalidOptions("parallelism must be at least 1") }
        if let key = decryptionKey, key.revealed.isEmpty { throw .invalidOptions("the decryption key is empty") }
        return self
    }
}
