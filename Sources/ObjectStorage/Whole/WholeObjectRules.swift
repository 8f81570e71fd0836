#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The checks both stores make on a whole object's metadata and expiry before anything is sent or written.
enum WholeObjectRules {
    /// `metadata` checked entry by entry and as a whole, with Swift's limits (``ObjectNaming``).
    ///
    /// - Throws: ``ObjectStorageError/invalidConfiguration(_:)`` naming the bad entry.
    static func checked(_ metadata: [String: String]) throws(ObjectStorageError) -> [String: String] {
        for (key, value) in metadata { try ObjectNaming.validateMetadata(key: key, value: value) }
        try ObjectNaming.validateMetadataTotal(metadata)
        return metadata
    }

    /// `deleteAt` as Swift's `X-Delete-At`: whole seconds since 1970, rounded up so that the object never goes
    /// before the moment asked for.
    ///
    /// - Throws: ``ObjectStorageError/invalidConfiguration(_:)`` for a moment that is not in the future (Swift
    ///   refuses it) or not representable.
    static func expiry(_ deleteAt: Date?, now: Date = Date()) throws(ObjectStorageError) -> Int64? {
        guard let deleteAt else { return nil }
        let seconds = deleteAt.timeIntervalSince1970.rounded(.up)
        guard seconds.isFinite, seconds > 0, seconds < 1e15, let whole = Int64(exactly: seconds) else {
            throw .invalidConfiguration("the expiry time \(deleteAt) is out of range")
        }
        guard deleteAt > now else {
            throw .invalidConfiguration("the expiry time \(deleteAt) is not in the future (it is \(now) now)")
        }
        return whole
    }

    /// Whether an object that expires at `deleteAt` (Unix seconds) is gone: Swift's rule, at or after that second.
    static func hasExpired(_ deleteAt: Int64?) -> Bool {
        guard let deleteAt else { return false }
        return Int64(time(nil)) >= deleteAt
    }
}
