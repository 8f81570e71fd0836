import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import CryptoPrimitives

/// Trove's naming and checksum rules for segmented backups, shared by every store.
///
/// Segments are `<base>_%08d`, where `<base>` is the object name up to its first `.` (the backup id of
/// `<id>.gz.enc`). The backup's checksum is the single segment's MD5, or the MD5 of the concatenated hex MD5s of
/// all segments (what Swift reports as an SLO's or DLO's ETag).
enum ObjectNaming {
    /// The object name up to its first `.`.
    static func baseName(of objectName: String) -> String {
        String(objectName.prefix { $0 != "." })
    }

    /// `<base>_%08d`.
    static func segmentName(base: String, index: Int) -> String {
        let digits = String(index)
        return base + "_" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// Whether `name` is a segment of `base`: `<base>_` followed by exactly eight digits.
    static func isSegment(_ name: String, ofBase base: String) -> Bool {
        guard name.hasPrefix(base + "_") else { return false }
        let suffix = name.dropFirst(base.count + 1)
        return suffix.count == 8 && suffix.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The backup checksum from its segments' MD5s (in order).
    static func checksum(segmentMD5s: [String]) throws(ObjectStorageError) -> String {
        if segmentMD5s.count == 1 { return segmentMD5s[0] }
        return try md5Hex(Array(segmentMD5s.joined().utf8))
    }

    /// The MD5-of-MD5s Swift reports as a large object's ETag, whatever the segment count.
    static func manifestETag(segmentMD5s: [String]) throws(ObjectStorageError) -> String {
        try md5Hex(Array(segmentMD5s.joined().utf8))
    }

    static func md5Hex(_ bytes: [UInt8]) throws(ObjectStorageError) -> String {
        do {
            return try MD5Hasher.hexDigest(of: bytes)
        } catch {
            throw .checksumUnavailable(error.description)
        }
    }

    static func makeHasher() throws(ObjectStorageError) -> MD5Hasher {
        do {
            return try MD5Hasher()
        } catch {
            throw .checksumUnavailable(error.description)
        }
    }

    /// An ETag header value as a bare lower-case MD5: quotes stripped.
    static func normalizedETag(_ etag: String) -> String {
        etag.trimming { $0 == "\"" || $0 == " " }.lowercased()
    }

    static func validateObjectName(_ name: String) throws(ObjectStorageError) {
        guard !name.isEmpty else { throw .invalidName(name, reason: "empty") }
        guard name.utf8.count <= 1024 else { throw .invalidName(name, reason: "longer than 1024 bytes") }
        guard !name.contains("/") else { throw .invalidName(name, reason: "contains '/'") }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidName(name, reason: "contains a control character")
        }
        guard !baseName(of: name).isEmpty else {
            throw .invalidName(name, reason: "starts with '.', so its segments would have no base name")
        }
        guard name != ".", name != ".." else { throw .invalidName(name, reason: "reserved") }
    }

    static func validateContainer(_ name: String) throws(ObjectStorageError) {
        guard !name.isEmpty, name.utf8.count <= 256 else {
            throw .invalidConfiguration("container name must be 1 to 256 bytes, got \(name.debugDescription)")
        }
        guard !name.contains("/"), name != ".", name != "..",
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw .invalidConfiguration("container name \(name.debugDescription) has '/', a control character, or is . or ..")
        }
    }

    static func validateMetadata(key: String, value: String) throws(ObjectStorageError) {
        let tokenCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !key.isEmpty, key.allSatisfy({ tokenCharacters.contains($0) }) else {
            throw .invalidConfiguration("metadata key \(key.debugDescription) must be letters, digits, '-', '_', '.'")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidConfiguration("metadata value for \(key) contains a control character")
        }
        // Swift's defaults (swift/common/constraints.py): a name of at most 128 bytes, a value of at most 256.
        guard key.utf8.count <= maxMetadataNameBytes, value.utf8.count <= maxMetadataValueBytes else {
            throw .invalidConfiguration(
                "metadata \(key) is longer than Swift allows (name \(maxMetadataNameBytes), value \(maxMetadataValueBytes) bytes)")
        }
    }

    static let maxMetadataNameBytes = 128
    static let maxMetadataValueBytes = 256
    static let maxMetadataCount = 90
    static let maxMetadataTotalBytes = 4096

    /// Swift's limits on an object's metadata as a whole: at most 90 entries and 4096 bytes of names and values.
    static func validateMetadataTotal(_ metadata: [String: String]) throws(ObjectStorageError) {
        let total = metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard metadata.count <= maxMetadataCount, total <= maxMetadataTotalBytes else {
            throw .invalidConfiguration(
                "the backup's metadata (\(metadata.count) entries, \(total) bytes) is more than Swift allows (\(maxMetadataCount) entries, \(maxMetadataTotalBytes) bytes)")
        }
    }

    /// Trove's header for a metadata key: `X-Object-Meta-` + key with `_` turned into `-`.
    static func metadataHeader(_ key: String) -> String {
        "X-Object-Meta-" + key.replacing("_", with: "-")
    }
}

extension ObjectNaming {
    /// Why `component` cannot be one component of a container or object name that a location or a manifest
    /// gives: it is empty, `.` or `..`, also once percent-decoded (`%2e%2e`); `nil` when it is fine. A client
    /// that removes dot segments from URLs, as curl does, would send such a request, and the caller's token,
    /// outside the backup's container or account; a local store would reach outside its directory.
    static func componentProblem(_ component: some StringProtocol) -> String? {
        let raw = String(component)
        for (form, suffix) in [(raw, ""), (PercentEncoding.decode(raw), " once percent-decoded")] {
            switch form {
            case "": return "empty" + suffix
            case ".": return "'.'" + suffix
            case "..": return "'..'" + suffix
            default: continue
            }
        }
        return nil
    }

    /// Whether `text` is 32 lower-case hex digits.
    static func isMD5(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
