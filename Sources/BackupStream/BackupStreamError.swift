import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Why packing or unpacking a backup stream failed. Every case names what was wrong and where: the file, the
/// archive member, or the byte offset in the layer of the stream where the problem was found.
///
/// Offsets are counted in the layer named by the case: the stream as stored (`ciphertext`), the gzip stream
/// after decryption (`compressed`), or the tar stream after decompression (`archive`). Key material never
/// appears in any message.
public enum BackupStreamError: Error, CustomStringConvertible {
    /// The options are inconsistent (an empty key, a bad level).
    case invalidOptions(String)
    /// A file-system call on the source or target failed: the path, the call and `errno`.
    case fileSystem(path: String, operation: String, errno: Int32)
    /// The directory to pack contains something the backup format does not carry (a device, a FIFO).
    case unsupportedFileType(path: String, type: String)
    /// A file changed while it was being read (the archive would not hold a consistent copy).
    case fileChangedWhileReading(path: String, detail: String)

    /// The stream does not start with `Salted__`: it is not an `openssl enc -salt` stream.
    case notEncrypted(found: [UInt8])
    /// The key (or its digest) is wrong: the decrypted data does not look like the expected stream.
    case wrongKey(String)
    /// The padding of the last block is invalid (wrong key, or a corrupted or truncated stream).
    case badDecrypt(ciphertextOffset: Int64)
    /// The encrypted stream ends where no stream can end (inside the header or a cipher block).
    case truncatedCiphertext(length: Int64)

    /// The gzip stream is corrupt at this offset (after decryption).
    case corruptCompressedStream(offset: Int64, reason: String)
    /// The gzip stream ends early.
    case truncatedCompressedStream(offset: Int64, detail: String)

    /// The tar stream is malformed at this offset (after decompression).
    case corruptArchive(offset: Int64, reason: String)
    /// The tar stream ends early: inside a member, or without its end-of-archive marker.
    case truncatedArchive(offset: Int64, detail: String)
    /// A member would be written outside the target directory, or through a link.
    case unsafeMember(name: String, reason: String)
    /// A member of a kind we refuse to restore (device, FIFO, sparse file...).
    case unsupportedMember(name: String, type: String)
    /// The restore would write more bytes of file contents than ``BackupUnpackOptions/maximumUnpackedBytes``.
    case unpackedSizeLimit(limit: Int64)
    /// The target's file system would keep fewer free bytes than ``BackupUnpackOptions/minimumFreeBytes``.
    case targetSpaceLow(path: String, freeBytes: Int64, minimum: Int64)
    /// The archive grew more than ``BackupUnpackOptions/maximumExpansionRatio`` times the stored bytes read.
    case expansionRatioExceeded(ratio: Int, archiveBytes: Int64, storedBytes: Int64)

    /// The pipeline was cancelled before it finished.
    case cancelled

    public var description: String {
        switch self {
        case .invalidOptions(let reason): return "invalid backup stream options: \(reason)"
        case .fileSystem(let path, let operation, let code):
            return "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .unsupportedFileType(let path, let type):
            return "\(path): cannot archive a \(type); the backup directory may hold only files, directories and links"
        case .fileChangedWhileReading(let path, let detail): return "\(path) changed while it was being read: \(detail)"
        case .notEncrypted(let found):
            return "not an openssl enc stream: expected it to start with \"Salted__\", found \(Self.show(found))"
        case .wrongKey(let detail): return "wrong key or key-derivation digest: \(detail)"
        case .badDecrypt(let offset):
            return "bad decrypt at ciphertext byte \(offset) (the last block's padding is invalid): "
                + "wrong key or digest, or the stream is corrupted or truncated"
        case .truncatedCiphertext(let length):
            return "encrypted stream truncated: \(length) bytes is not a whole number of 16-byte blocks after the header"
        case .corruptCompressedStream(let offset, let reason):
            return "corrupt gzip stream at compressed byte \(offset): \(reason)"
        case .truncatedCompressedStream(let offset, let detail):
            return "gzip stream truncated at compressed byte \(offset): \(detail)"
        case .corruptArchive(let offset, let reason): return "corrupt tar stream at archive byte \(offset): \(reason)"
        case .truncatedArchive(let offset, let detail): return "tar stream truncated at archive byte \(offset): \(detail)"
        case .unsafeMember(let name, let reason): return "refusing archive member \(Self.quote(name)): \(reason)"
        case .unsupportedMember(let name, let type):
            return "refusing archive member \(Self.quote(name)): \(type) members are not restored"
        case .unpackedSizeLimit(let limit):
            return "the backup unpacks to more than \(limit) bytes of files, the limit set (maximumUnpackedBytes): "
                + "restore stopped before it fills the disk"
        case .targetSpaceLow(let path, let free, let minimum):
            return "only \(free) bytes are free on the file system of \(path), fewer than the \(minimum) to keep free "
                + "(minimumFreeBytes): restore stopped before it fills the disk"
        case .expansionRatioExceeded(let ratio, let archive, let stored):
            return "the backup unpacks to more than \(ratio) times its stored size (\(archive) bytes from \(stored) "
                + "stored bytes; maximumExpansionRatio): refused as a decompression bomb"
        case .cancelled: return "backup stream cancelled"
        }
    }

    static func show(_ bytes: [UInt8]) -> String {
        let hex = bytes.prefix(16).map { HexEncoding.lowercase([$0]) }.joined(separator: " ")
        let text = String(decoding: bytes.prefix(16).map { (0x20..<0x7f).contains($0) ? $0 : 0x2e }, as: UTF8.self)
        return bytes.isEmpty ? "nothing (empty stream)" : "\(hex) (\"\(text)\")"
    }

    static func quote(_ name: String) -> String { "\"\(name)\"" }

    static func errno(_ path: String, _ operation: String, _ code: Int32 = Glibc.errno) -> BackupStreamError {
        .fileSystem(path: path, operation: operation, errno: code)
    }
}
