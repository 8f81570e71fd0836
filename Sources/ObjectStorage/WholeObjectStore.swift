import FoundationEssentials

/// Small objects stored whole, in one request each, under nested names (what log shipping stores: one object per
/// archived Db2 log). ``SwiftStorage`` and ``LocalStorage`` both conform, so a store made for backups serves as
/// `any BackupStorage & WholeObjectStore` too.
///
/// Unlike backups, these objects are not segmented, carry only the metadata given (not
/// ``StorageConfiguration/metadata``), and are checked against their MD5 both ways: on the way in the store's ETag
/// must equal the file's MD5, on the way out the bytes' MD5 must equal the ETag. Every request is retried within
/// ``StorageConfiguration/retry``. All file and network work runs on threads of its own, never on the cooperative
/// pool.
public protocol WholeObjectStore: Sendable {
    /// Stores the local file at `file` as `name` in the configured container (created if missing), replacing any
    /// object of that name.
    ///
    /// One PUT streamed from the file (constant memory), with the file's MD5 as `ETag` so that the store refuses
    /// altered bytes, retried as a whole on transient failures.
    ///
    /// - Parameters:
    ///   - metadata: stored as `X-Object-Meta-<key>` (`_` becomes `-`); the same key rules and Swift limits as a
    ///     backup's metadata.
    ///   - deleteAt: when given, the store forgets the object at that moment (Swift's `X-Delete-At`, whole
    ///     seconds); it must be in the future.
    /// - Returns: the file's MD5 (hex), which the store confirmed.
    /// - Throws: ``ObjectStorageError``: `invalidName`, `invalidConfiguration` (metadata, `deleteAt`), `localFile`
    ///   (the file), `checksumMismatch`, or the store's error.
    func put(_ name: ObjectPath, fromFile file: String, metadata: [String: String], deleteAt: Date?) async throws
        -> String

    /// The object's checksum (its ETag), size and metadata (keys lower-cased, `-` turned into `_`, as
    /// ``StoredObjectInfo`` gives them), or `nil` when it does not exist or has expired.
    func head(_ name: ObjectPath) async throws -> StoredObjectInfo?

    /// The names of the objects under `prefix` (at every level below it, not `prefix` itself), sorted
    /// (``ObjectPath``'s order); empty when there are none or the container does not exist. Names that are not
    /// valid ``ObjectPath``s (stored by some other client) are left out.
    ///
    /// - Important: Swift lists an expired object until its object-expirer removes it; ``head(_:)`` and
    ///   ``get(_:toFile:)`` never return one. A local store leaves expired objects out.
    func list(under prefix: ObjectPath) async throws -> [ObjectPath]

    /// Downloads `name` into a new file at `file` (mode 0600; it must not exist), checking the bytes' MD5 and
    /// length against the object's ETag and size; the file is synced before this returns, and removed on failure.
    ///
    /// - Returns: the object's size.
    /// - Throws: ``ObjectStorageError``: when the object does not exist (or has expired) an error whose
    ///   ``ObjectStorageError/isNotFound`` is true (Swift's ``ObjectStorageError/notFound(_:)``, a local store's
    ///   ``ObjectStorageError/localFile(path:operation:errno:)`` with `ENOENT`);
    ///   ``ObjectStorageError/checksumMismatch(object:expected:actual:)`` when the bytes are not those stored.
    func get(_ name: ObjectPath, toFile file: String) async throws -> Int64

    /// Deletes `name`; a missing object is not an error.
    func delete(_ name: ObjectPath) async throws
}
