import AgentSupport
import BackupStream
import DB2
import Logging
import ObjectStorage

/// `verify`: proves that a backup and every backup it builds on can be restored, without restoring anything.
///
/// From the named backup to the first of its chain, through each `parent_location` (each parent HEAD-checked
/// against the checksum its child recorded), every object is downloaded (every segment's MD5 and the object's
/// checksum checked by the store), decrypted, inflated and unpacked to its end into a scratch directory (bounded
/// by the free space there, as a restore is), its manifest checked against its index, every image its index
/// names looked for, and `db2ckbkp` run on every image; then the scratch copy is removed before the next object.
/// Once the chain is read, every indexed image must find the images it builds on in it (what a restore follows).
///
/// It only reads the store and runs `db2ckbkp`: nothing is written to the instance (no RESTORE, no CONNECT, no
/// configuration change) or to the store. A backup without the agent's index (Trove's own agent's) is verified
/// as one full object. Every failure is a sentence naming the object; verification goes on with the next object
/// where it can, so that one run names every damaged object of the chain.
public struct BackupVerifier: Sendable {
    let storage: any BackupStorage
    let database: any DB2BackupOperations
    /// How the streams are unpacked (the guest's compression and key).
    let unpack: BackupUnpackOptions
    /// A directory of the verification's own: created empty, removed at the end.
    let workDirectory: String
    /// The owner of this path (the mount point) owns the work directory: the instance owner runs `db2ckbkp` on
    /// what is unpacked there.
    let ownerOf: String
    let space: @Sendable (String) -> BackupSpace?
    let logger: Logger

    public init(
        storage: any BackupStorage, database: any DB2BackupOperations, unpack: BackupUnpackOptions,
        workDirectory: String, ownedLike ownerOf: String,
        space: @escaping @Sendable (String) -> BackupSpace? = { BackupSpace.of(path: $0) }, logger: Logger
    ) {
        self.storage = storage
        self.database = database
        self.unpack = unpack
        self.workDirectory = workDirectory
        self.ownerOf = ownerOf
        self.space = space
        self.logger = logger
    }

    /// Verifies the backup at `location` and its chain.
    ///
    /// - Parameters:
    ///   - checksum: the checksum recorded for it (checked before anything is downloaded), if known.
    ///   - report: called with each object's outcome as soon as it is known (the named backup first).
    /// - Returns: every object's outcome and the verdict; ``ChainVerification/interrupted`` when the task was
    ///   cancelled.
    public func verify(
        location: String, checksum: String?, report: (ObjectVerification) -> Void = { _ in }
    ) async -> ChainVerification {
        var objects: [ObjectVerification] = []
        func add(_ object: ObjectVerification) {
            objects.append(object)
            report(object)
        }
        do {
            try await BackupDirectories.makeEmpty(workDirectory, ownedLike: ownerOf)
        } catch {
            add(ObjectVerification(
                location: location, index: .unread, images: [],
                problem: "nothing was verified: the work directory \(workDirectory) cannot be prepared: \(error)"))
            return ChainVerification(location: location, objects: objects)
        }
        let interrupted = await walk(location: location, checksum: checksum, add: add)
        do { try await BackupDirectories.remove(workDirectory) } catch {
            logger.warning(
                "could not remove the verification's work directory", metadata: ["path": "\(workDirectory)", "error": "\(error)"])
        }
        return ChainVerification(location: location, objects: objects, interrupted: interrupted)
    }

    /// Verifies each object from `location` to the first of its chain; true when cancelled on the way.
    private func walk(location: String, checksum: String?, add: (ObjectVerification) -> Void) async -> Bool {
        var chain: BackupChain
        do {
            chain = try await BackupChain(storage: storage, location: location, checksum: checksum)
        } catch {
            if Task.isCancelled { return true }
            add(ObjectVerification(location: location, index: .unread, images: [], problem: Self.unreadable(error)))
            return false
        }
        var current = 0
        while true {
            guard let object = await verify(chain.links[current]) else { return true }
            add(object)
            do {
                guard try await chain.readParent() else { break }
            } catch {
                if Task.isCancelled { return true }
                let child = chain.links[current]
                let parent = child.parent?.location ?? "?"
                // The chain names the parent and why it cannot be used; any other error is the store's own.
                let problem =
                    error is BackupOperationError
                    ? "\(error)" : "the parent \(parent) of \(child.location) cannot be read: \(error)"
                add(ObjectVerification(location: parent, index: .unread, images: [], problem: problem))
                return false
            }
            current += 1
        }
        // The whole chain is read: each image must find the images it builds on in it, as a restore would.
        for (number, link) in chain.links.enumerated() {
            guard let index = link.index else { continue }
            for image in index.images where image.kind != .full {
                do { _ = try await chain.lineage(of: image, at: number) } catch {
                    add(ObjectVerification(
                        location: link.location, index: .chain(index.kind), images: index.images.map(\.description),
                        problem: "its image \(image) cannot be restored from the chain: \(error)"))
                    break
                }
            }
        }
        return false
    }

    /// One object: download and unpack, manifest, images, `db2ckbkp`. Nil when cancelled. Its copy stays in the
    /// work directory until the next object empties it (or the end removes it).
    private func verify(_ link: ChainLink) async -> ObjectVerification? {
        let directory = workDirectory + "/object"
        var images = link.index?.images.map(\.description) ?? []
        let indexState: ObjectVerification.Index = link.index.map { .chain($0.kind) } ?? .none
        func failed(_ problem: String) -> ObjectVerification? {
            Task.isCancelled ? nil : ObjectVerification(location: link.location, index: indexState, images: images, problem: problem)
        }
        logger.info("verifying", metadata: ["backup.location": "\(link.location)"])
        do {
            try await BackupDirectories.makeEmpty(directory, ownedLike: ownerOf)
        } catch {
            return failed("\(directory) cannot be prepared for it: \(error)")
        }
        do {
            try await BackupDownload(storage: storage, options: unpack, space: space, logger: logger).run(
                link.location, checksum: link.checksum, into: directory)
        } catch {
            return failed("\(error)")
        }
        do { try await link.checkManifest(unpackedIn: directory) } catch { return failed("\(error)") }
        let found: [BackupImage]
        do { found = try await database.listImages(in: directory) } catch {
            return failed("its images cannot be listed: \(error)")
        }
        var problems: [String] = []
        if let index = link.index {
            for image in index.images
            where !found.contains(where: { $0.database == image.database && $0.timestamp == image.timestamp }) {
                problems.append("it holds no image \(image), which its index names")
            }
            for image in found
            where !index.images.contains(where: { $0.database == image.database && $0.timestamp == image.timestamp }) {
                problems.append("it holds an image its index does not name (\(PathText.lastComponent(image.path)))")
            }
        } else {
            images = found.map { "\($0.database) \($0.timestamp)" }
            if found.isEmpty { problems.append("it holds no DB2 backup image (no *.001 file)") }
        }
        for image in found {
            do { try await database.verifyImage(image) } catch {
                if Task.isCancelled { return nil }
                problems.append("db2ckbkp of \(image.database) \(image.timestamp) failed: \(error)")
            }
        }
        return problems.isEmpty
            ? ObjectVerification(location: link.location, index: indexState, images: images, problem: nil)
            : failed(problems.joined(separator: "; "))
    }

    /// Why the named backup cannot be read, as a sentence.
    static func unreadable(_ error: any Error) -> String {
        switch error {
        case let error as ObjectStorageError where BackupChain.isMissing(error):
            "it is missing from the store (\(error))"
        case ObjectStorageError.checksumMismatch(_, let expected, let actual):
            "it does not match the checksum given (\(expected), stored \(actual))"
        default:
            "it cannot be read: \(error)"
        }
    }
}
