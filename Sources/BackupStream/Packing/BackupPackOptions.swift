import AgentSupport
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// How to pack a directory: Trove's `backup_use_gzip_compression`, `backup_compression_level`,
/// `backup_use_openssl_encryption` with `backup_aes_cbc_key`, and the key-derivation digest.
public struct BackupPackOptions: Sendable {
    /// gzip the tar stream (`backup_use_gzip_compression`, default true).
    public var compress: Bool
    /// libdeflate level 1...12 (`backup_compression_level`, default 6; 0 stores without compressing).
    public var compressionLevel: Int
    /// The `openssl enc` password; `nil` leaves the stream unencrypted (`backup_use_openssl_encryption` false).
    public var encryptionKey: Secret<String>?
    /// The key-derivation digest (`openssl enc -md`): sha256 as OpenSSL >= 1.1 does by default, md5 for
    /// Newton-era guests whose OpenSSL 1.0 used it.
    public var digest: KeyDerivationDigest
    /// Bytes of tar stream per gzip member (default 1 MiB); each is compressed independently, in parallel.
    public var blockSize: Int
    /// Compression threads (default: one per core).
    public var parallelism: Int

    public init(
        compress: Bool = true,
        compressionLevel: Int = 6,
        encryptionKey: Secret<String>? = nil,
        digest: KeyDerivationDigest = .sha256,
        blockSize: Int = 1 << 20,
        parallelism: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.compress = compress
        self.compressionLevel = compressionLevel
        self.encryptionKey = encryptionKey
        self.digest = digest
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    /// Largest block size (the reader accepts blocks up to 64 MiB).
    public static let maximumBlockSize = 16 << 20

    /// The suffix of the object name: `.gz`, `.enc`, `.gz.enc` or empty (see ``BackupObjectName``).
    public var objectNameSuffix: String {
        BackupObjectName.suffix(compressed: compress, encrypted: encryptionKey != nil)
    }

    func validated() throws(BackupStreamError) -> BackupPackOptions {
        guard (0...12).contains(compressionLevel) else {
            throw .invalidOptions("compression level \(compressionLevel) is outside 0...12")
        }
        guard (64 * 1024...Self.maximumBlockSize).contains(blockSize), blockSize % 512 == 0 else {
            throw .invalidOptions("block size \(blockSize) must be a multiple of 512 between 64 KiB and 16 MiB")
        }
        guard parallelism >= 1 else { throw .invalidOptions("parallelism must be at least 1") }
        if let key = encryptionKey, key.revealed.isEmpty { throw .invalidOptions("the encryption key is empty") }
        return self
    }
}
