import AgentSupport
import DB2
import FoundationEssentials
import Logging
import ObjectStorage
import Synchronization

/// What a backup holds when Trove asked for an incremental one (`backup_info['parent']`): per database a full
/// image, an `INCREMENTAL` (the changes since the chain's full image) or an `INCREMENTAL DELTA` (the changes since
/// the parent's image), chosen so that the backup restores from what is in the store, whatever Db2 did in between.
///
/// Db2 bases an incremental on the last full backup and a delta on the last backup of any kind *it* knows of
/// (its recovery history), not on the parent Trove names, and it knows of backups the store does not hold (the
/// throw-away backup to /dev/null that clears BACKUP PENDING, an operator's own, a backup whose upload failed). So
/// per database:
/// - a delta only when Db2's last backup is the parent's image of the database;
/// - an incremental only when Db2's last full backup is the full image the parent's image builds on;
/// - otherwise, and when the parent carries no chain index, the database is not in it, its chain is broken, or
///   change tracking (TRACKMOD) was off until now, a full image, and the log says why.
/// After each incremental or delta, Db2's history is read again: a backup that slipped in between (and so became
/// the image's real base) fails the backup instead of storing one that cannot be restored.
extension BackupJob {
    /// The plan of this backup: its manifest (the archive's first member), the chain's first backup.
    struct ChainPlan: Sendable {
        var manifest: BackupManifest
        /// The location of the chain's first backup, for `db2_root`; nil when there is no parent.
        var root: String?

        func entry(of database: DatabaseName) -> BackupManifest.Entry? {
            manifest.entries.first { $0.database == database }
        }

        func kind(of database: DatabaseName) -> BackupImageKind { entry(of: database)?.kind ?? .full }
    }

    /// The images taken so far, as the backup's index records them (written to the metadata once the stream ends).
    final class TakenImages: Sendable {
        private let images = Mutex<[ChainImage]>([])
        private let logEnds = Mutex<[DatabaseName: ChainMetadata.ImageLogEnd]>([:])

        func addLogEnd(_ position: LogPosition, of database: DatabaseName, endedAt: Date) {
            logEnds.withLock { $0[database] = ChainMetadata.ImageLogEnd(position: position, endedAt: endedAt) }
        }

        var logs: [DatabaseName: ChainMetadata.ImageLogEnd] { logEnds.withLock { $0 } }

        func add(_ image: BackupImage, planned: BackupManifest.Entry?) {
            let base = image.kind == .full ? nil : planned?.base
            images.withLock {
                $0.append(ChainImage(database: image.database, timestamp: image.timestamp, kind: image.kind, base: base))
            }
        }

        var all: [ChainImage] { images.withLock { $0 } }
    }

    /// Decides each database's image kind. Turns change tracking on where it is off.
    ///
    /// - Throws: ``BackupOperationError/parentUnusable(location:cause:)`` when the parent is missing or does not
    ///   match its checksum; a step's error when Db2 cannot be asked.
    func planChain(
        _ databases: [DatabaseName], storage: any BackupStorage, logger: Logger
    ) async throws -> ChainPlan {
        var tracking: [DatabaseName: Bool] = [:]
        for name in databases {
            tracking[name] = try await step("turning on change tracking (TRACKMOD) of \(name)") {
                try await database.ensureChangeTracking(of: name)
            }
        }
        let online = strategy == .online
        guard let parent = request.parent else {
            return ChainPlan(
                manifest: BackupManifest(
                    backupID: backupID, online: online, parentLocation: nil, parentChecksum: nil, root: nil,
                    entries: databases.map { BackupManifest.Entry(database: $0, kind: .full, base: nil) }),
                root: nil)
        }
        var chain: BackupChain
        do {
            chain = try await BackupChain(storage: storage, location: parent.location, checksum: parent.checksum)
        } catch {
            throw BackupOperationError.parentUnusable(location: parent.location, cause: error)
        }
        let parentIndex = chain.links[0].index
        let root = parentIndex?.root ?? parent.location
        var entries: [BackupManifest.Entry] = []
        for name in databases {
            let (entry, reason) = try await choose(
                name, trackingWasOn: tracking[name] ?? false, parentIndex: parentIndex, chain: &chain)
            if let reason {
                logger.notice(
                    "a full image is taken although an incremental backup was asked for",
                    metadata: ["database": "\(name)", "reason": "\(reason)"])
            } else {
                logger.info(
                    "incremental image planned",
                    metadata: ["database": "\(name)", "kind": "\(entry.kind.rawValue)", "base": "\(entry.base ?? "")"])
            }
            entries.append(entry)
        }
        return ChainPlan(
            manifest: BackupManifest(
                backupID: backupID, online: online, parentLocation: parent.location, parentChecksum: parent.checksum,
                root: root, entries: entries),
            root: root)
    }

    /// One database's kind, and why it is full when it is.
    private func choose(
        _ name: DatabaseName, trackingWasOn: Bool, parentIndex: ChainMetadata?, chain: inout BackupChain
    ) async throws -> (BackupManifest.Entry, String?) {
        func full(_ reason: String) -> (BackupManifest.Entry, String?) {
            (BackupManifest.Entry(database: name, kind: .full, base: nil), reason)
        }
        guard let parentIndex else {
            return full("the parent backup carries no chain index of this agent (taken by Trove's own agent, or its metadata was lost)")
        }
        guard trackingWasOn else { return full("change tracking (TRACKMOD) was off until now: Db2 needs a full backup first") }
        guard let parentImage = parentIndex.image(of: name) else {
            return full("the parent backup holds no image of \(name) (created since)")
        }
        let lineage: [(image: ChainImage, link: Int)]
        do { lineage = try await chain.lineage(of: parentImage, at: 0) } catch {
            return full("the parent's chain cannot be restored: \(error)")
        }
        let history = try await step("reading the backup history of \(name)") {
            try await database.backupHistory(of: name)
        }
        if history.lastBackup?.timestamp == parentImage.timestamp {
            return (BackupManifest.Entry(database: name, kind: .delta, base: parentImage.timestamp), nil)
        }
        if let chainFull = lineage.first?.image, history.lastFullBackup?.timestamp == chainFull.timestamp {
            return (BackupManifest.Entry(database: name, kind: .incremental, base: chainFull.timestamp), nil)
        }
        let last = history.lastBackup.map { "\($0)" } ?? "none"
        return full("Db2's last backup of \(name) (\(last)) is not in the parent's chain, so an incremental would depend on an image the store does not hold")
    }

    /// After an incremental or delta image: Db2's history must show the planned base as the image's base (no
    /// backup slipped in between).
    ///
    /// - Throws: ``BackupOperationError/stepFailed(step:cause:)`` when another backup became its base.
    func confirmBase(of image: BackupImage, planned: BackupManifest.Entry?) async throws {
        guard image.kind != .full, let base = planned?.base else { return }
        let history = try await step("reading the backup history of \(image.database)") {
            try await database.backupHistory(of: image.database)
        }
        let before = history.filter { $0.timestamp < image.timestamp }
        let actual = image.kind == .delta ? before.lastBackup : before.lastFullBackup
        guard actual?.timestamp == base else {
            throw BackupOperationError.brokenChain(
                "another backup of \(image.database) (\(actual.map { "\($0)" } ?? "none")) ran between the choice of the \(image.kind.rawValue) image and its BACKUP, so the image builds on it instead of \(base); take the backup again")
        }
    }

    /// The metadata the backup is stored with: Trove's (`datastore`, `datastore_version`, `parent_location`,
    /// `parent_checksum`) at once, the chain index once the images are taken. An index too large for Swift's
    /// limits is left out (the backup is then treated as unknown by its children, which take full images).
    func storedMetadata(plan: ChainPlan, taken: TakenImages, logger: Logger) -> BackupMetadata {
        var known = request.metadata
        if let parent = request.parent {
            known[ChainMetadata.parentLocationKey] = parent.location
            if let checksum = parent.checksum { known[ChainMetadata.parentChecksumKey] = checksum }
        }
        let fixed = known
        let online = strategy == .online
        return BackupMetadata(known: known) {
            let index = ChainMetadata(
                parentLocation: plan.manifest.parentLocation, parentChecksum: plan.manifest.parentChecksum,
                root: plan.root, online: online, images: taken.all, guest: online ? settings.guestID : nil,
                logs: taken.logs)
            let entries = index.entries
            let bytes = fixed.merging(entries) { _, index in index }.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
            guard bytes <= 3584, fixed.count + entries.count <= 80 else {
                logger.warning(
                    "the chain index is too large for Swift's metadata limits and is left out: backups based on this one will be full",
                    metadata: ["bytes": "\(bytes)"])
                return [:]
            }
            return entries
        }
    }

    /// Trove's `backup_type` for what was stored: the runner's class name (`DB2OnlineBackup`, with `Incremental`
    /// appended as Trove's `<Full>Incremental` runners are named) on requests shaped as Trove 6-13 sends them,
    /// `full` or `incremental` on Victoria-shaped ones.
    func backupType(images: [ChainImage]) -> String {
        let incremental = images.contains { $0.kind != .full }
        if request.namesTypesByKind { return incremental ? "incremental" : "full" }
        return strategy.rawValue + (incremental ? "Incremental" : "")
    }
}
