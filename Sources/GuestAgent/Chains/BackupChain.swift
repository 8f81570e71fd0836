import DB2
#if canImport(Glibc)
import Glibc
#endif
import ObjectStorage

/// A backup and its ancestors, read from the store one HEAD at a time, only as far as needed: from the backup a
/// request names, through each `parent_location` (each parent checked against the `parent_checksum` its child
/// recorded), towards the first backup of the chain.
public struct BackupChain: Sendable {
    /// The links read so far, the named backup first.
    public private(set) var links: [ChainLink]
    private let storage: any BackupStorage
    /// A chain longer than this is refused (a loop the location check missed, or metadata made up).
    static let maximumLength = 1000

    /// Reads the named backup.
    ///
    /// - Throws: the store's error (``ObjectStorageError/notFound(_:)``, a checksum mismatch).
    public init(storage: any BackupStorage, location: String, checksum: String?) async throws {
        self.storage = storage
        let info = try await storage.info(location: location, expectedChecksum: checksum)
        links = [ChainLink(location: location, checksum: checksum, info: info)]
    }

    /// Reads the parent of the last link read; false when it has none (it is the first of the chain).
    ///
    /// - Throws: ``BackupOperationError/brokenChain(_:)`` when the parent is missing, no longer matches its
    ///   checksum, or the chain loops or is too long.
    public mutating func readParent() async throws -> Bool {
        guard let child = links.last, let parent = child.parent else { return false }
        guard !links.contains(where: { $0.location == parent.location }) else {
            throw BackupOperationError.brokenChain("\(child.location) names \(parent.location) as its parent, which is already in the chain (a loop)")
        }
        guard links.count < Self.maximumLength else {
            throw BackupOperationError.brokenChain("it is longer than \(Self.maximumLength) backups")
        }
        let info: StoredObjectInfo
        do {
            info = try await storage.info(location: parent.location, expectedChecksum: parent.checksum)
        } catch let error as ObjectStorageError where Self.isMissing(error) {
            throw BackupOperationError.brokenChain(
                "the parent \(parent.location) of \(child.location) is missing (deleted from the store?)")
        } catch ObjectStorageError.checksumMismatch(_, let expected, let actual) {
            throw BackupOperationError.brokenChain(
                "the parent \(parent.location) of \(child.location) no longer matches the checksum its child recorded (\(expected), now \(actual))")
        }
        links.append(ChainLink(location: parent.location, checksum: parent.checksum, info: info))
        return true
    }

    /// Swift's 404, or a local store's missing file.
    static func isMissing(_ error: ObjectStorageError) -> Bool {
        switch error {
        case .notFound: true
        case .localFile(_, _, let code): code == ENOENT
        default: false
        }
    }

    /// The images `image` (held by link `linkIndex`) builds on, the full image first and `image` last, each with
    /// the index of the link that holds it; reads parents as far as needed.
    ///
    /// - Throws: ``BackupOperationError/brokenChain(_:)`` when an image it builds on is in no backup of the chain,
    ///   or a link on the way has no index.
    public mutating func lineage(of image: ChainImage, at linkIndex: Int) async throws -> [(image: ChainImage, link: Int)] {
        var lineage = [(image: image, link: linkIndex)]
        var current = (image: image, link: linkIndex)
        while current.image.kind != .full, let base = current.image.base {
            var searched = current.link + 1
            var found: (image: ChainImage, link: Int)?
            while found == nil {
                if searched >= links.count {
                    guard try await readParent() else { break }
                }
                guard let index = links[searched].index else {
                    throw BackupOperationError.brokenChain(
                        "\(links[searched].location) has no chain metadata, but \(current.image) needs an image before it")
                }
                if let candidate = index.image(of: image.database), candidate.timestamp == base {
                    found = (candidate, searched)
                } else if let candidate = index.image(of: image.database), candidate.timestamp < base {
                    break
                }
                searched += 1
            }
            guard let found else {
                throw BackupOperationError.brokenChain(
                    "the image \(base) of \(image.database), which \(current.image) builds on, is in no backup of the chain from \(links[0].location)")
            }
            lineage.insert(found, at: 0)
            current = found
        }
        return lineage
    }
}
