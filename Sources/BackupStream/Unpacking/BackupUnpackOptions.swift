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
    /// Who owns what is restored (default: this process, as `tar --no-same-owner`). The archive's owners are
    /// never used, and setuid, setgid and sticky bits are never restored.
    public var owner: RestoredOwner
    /// The most bytes of file contents the restore may write (`nil`, the default: no limit). Reaching it stops the
    /// restore with ``BackupStreamError/unpackedSizeLimit(limit:)`` and removes the file being written.
    public var maximumUnpackedBytes: Int64?
    /// Free bytes to leave on the target's file system (`nil`, the default: not checked). Looked at with
    /// `fstatvfs` before the first write and every 16 MiB written after, so it can be undershot by up to 16 MiB;
    /// reaching it stops the restore with ``BackupStreamError/targetSpaceLow(path:freeBytes:minimum:)``.
    public var minimumFreeBytes: Int64?
    /// The most times larger than the stored stream read so far the unpacked archive may grow, once past
    /// ``expansionRatioThreshold`` (`nil`: not checked); going over stops the restore with
    /// ``BackupStreamError/expansionRatioExceeded(ratio:archiveBytes:storedBytes:)``.
    ///
    /// The default, 1000, is generous: DB2 backup images compress 3:1 to 10:1 when full of data and around
    /// 100:1 at most when nearly empty (page headers break the runs of zeros), and deflate cannot exceed about
    /// 1030:1 at all, so only a stream of almost nothing but zeros (a gzip bomb) reaches it. It bounds what a
    /// bomb writes to 1000 times what was downloaded; ``maximumUnpackedBytes`` and ``minimumFreeBytes`` are the
    /// bounds that keep the disk from filling.
    public var maximumExpansionRatio: Int?

    /// The unpacked size below which ``maximumExpansionRatio`` is not checked (64 MiB): a small stream of zeros
    /// is no threat, and the first chunks say little about the whole.
    public static let expansionRatioThreshold: Int64 = 64 << 20

    public init(
        compressed: Bool = true,
        decryptionKey: Secret<String>? = nil,
        digest: DigestSelection = .automatic,
        parallelism: Int = ProcessInfo.processInfo.activeProcessorCount,
        owner: RestoredOwner = .process,
        maximumUnpackedBytes: Int64? = nil,
        minimumFreeBytes: Int64? = nil,
        maximumExpansionRatio: Int? = 1000
    ) {
        self.compressed = compressed
        self.decryptionKey = decryptionKey
        self.digest = digest
        self.parallelism = parallelism
        self.owner = owner
        self.maximumUnpackedBytes = maximumUnpackedBytes
        self.minimumFreeBytes = minimumFreeBytes
        self.maximumExpansionRatio = maximumExpansionRatio
    }

    func validated() throws(BackupStreamError) -> BackupUnpackOptions {
        guard parallelism >= 1 else { throw .invalidOptions("parallelism must be at least 1") }
        if let key = decryptionKey, key.revealed.isEmpty { throw .invalidOptions("the decryption key is empty") }
        if let maximumUnpackedBytes, maximumUnpackedBytes < 0 {
            throw .invalidOptions("maximumUnpackedBytes must not be negative")
        }
        if let minimumFreeBytes, minimumFreeBytes < 0 { throw .invalidOptions("minimumFreeBytes must not be negative") }
        if let maximumExpansionRatio, maximumExpansionRatio < 1 {
            throw .invalidOptions("maximumExpansionRatio must be at least 1")
        }
        return self
    }
}
