import AgentSupport
import BackupStream
import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import ObjectStorage

/// The shipped logs a restore to a point rolls forward through, per database: chosen and checked before anything
/// is restored, so that a point the logs cannot reach is refused with a sentence naming why (IBM, *ROLLFORWARD
/// DATABASE*: an online image must be rolled forward at least to the end of its backup, through contiguous logs of
/// its log chain).
///
/// Each database's logs start at the first file its image does not hold (recorded with the backup: chain and file)
/// and run, without a gap, through the first file archived at or after the point, plus the next one when it is
/// there (a file is archived just after it is closed, so its archive time only bounds its last commit from
/// above). Shipped logs carry their archive time, not their commit times: a point between the last shipped file's
/// close and its archiving (a fraction of a second in practice) restores what that file holds.
struct ShippedLogPlan: Sendable {
    let point: RestorePoint
    /// Per database, the shipped objects in log order.
    let logs: [DatabaseName: [ObjectPath]]

    static let archivedAtKey = "db2_log_archived_at"

    /// Chooses and checks the logs for every database `index` holds.
    ///
    /// - Throws: ``BackupOperationError/pointInTimeRefused(point:reason:)``; the store's errors.
    static func plan(
        index: ChainMetadata?, location: String, point: RestorePoint, store: any WholeObjectStore
    ) async throws -> ShippedLogPlan {
        func refuse(_ reason: String) -> BackupOperationError {
            .pointInTimeRefused(point: point.description, reason: reason)
        }
        guard let index, index.online, let guest = index.guest else {
            throw refuse("\(location) records no log position (an offline backup, one taken before log shipping, or one of Trove's own agent): it can only be restored to its end")
        }
        var logs: [DatabaseName: [ObjectPath]] = [:]
        for image in index.images {
            let name = image.database
            guard let end = index.logs[name] else {
                throw refuse("\(location) records no log position for \(name)")
            }
            if case .time(let time) = point, time < end.endedAt {
                throw refuse("it is before the end of the backup of \(name) (\(ShippedLogTime.format(end.endedAt))), the earliest time this backup can be restored to")
            }
            let directory = try ShippedLogNaming.directory(instanceID: guest, database: name, chain: end.position.chain)
            var shipped: [Int: ObjectPath] = [:]
            for object in try await store.list(under: directory) {
                if let last = object.components.last, let number = ShippedLogNaming.number(ofObject: last) {
                    shipped[number] = object
                }
            }
            var selected: [ObjectPath] = []
            var latest = end.endedAt
            var number = end.position.firstActiveLog
            var reached = false
            while true {
                guard let object = shipped[number] else {
                    if reached { break }
                    if let later = shipped.keys.filter({ $0 > number }).min() {
                        throw refuse("the shipped log \(LogPosition.fileName(number)) of \(name) (chain \(end.position.chain)) is missing from the store, though \(LogPosition.fileName(later)) is there: \(directory)/\(LogPosition.fileName(number)).gz.enc")
                    }
                    if case .time = point {
                        throw refuse("it is after the last shipped log of \(name): the latest time it can be restored to is \(ShippedLogTime.format(latest))")
                    }
                    break
                }
                selected.append(object)
                // The file after the one archived at or after the point: it may hold the point's last commits.
                if reached { break }
                guard let info = try await store.head(object) else {
                    throw refuse("the shipped log \(object) disappeared from the store")
                }
                if let archived = info.metadata[archivedAtKey].flatMap(ShippedLogTime.parse) { latest = archived }
                if case .time(let time) = point, latest >= time { reached = true }
                number += 1
            }
            logs[name] = selected
        }
        return ShippedLogPlan(point: point, logs: logs)
    }
}

extension RestoreJob {
    /// Downloads and unpacks `database`'s planned logs into `directory` (the restore's log target, before the
    /// RESTORE extracts the image's own, older files there), owned like it so that Db2 reads them.
    func fetchShippedLogs(
        _ plan: ShippedLogPlan, of database: DatabaseName, into directory: String, store: any WholeObjectStore
    ) async throws {
        let objects = plan.logs[database] ?? []
        guard !objects.isEmpty else { return }
        let spool = settings.storage.configuration.spoolDirectory ?? settings.stateDirectory
        try await BlockingThreadPool.shared.run { _ = try DirectoryHandle.open(spool, creatingMissing: 0o700) }
        let codec = FileStreamCodec(logger: logger)
        for object in objects {
            guard let name = object.components.last, name.hasSuffix(".gz.enc") else { continue }
            let file = String(name.dropLast(".gz.enc".count))
            let packed = spool + "/restore-\(RandomIdentifier.hex128().prefix(12)).gz.enc"
            do {
                _ = try await store.get(object, toFile: packed)
                _ = try await codec.unpack(packed, to: directory + "/" + file, options: settings.unpack)
                try await BlockingThreadPool.shared.run {
                    let target = try DirectoryHandle.open(directory)
                    let owner = try target.status()
                    try target.setOwnerAndMode(of: file, uid: owner.st_uid, gid: owner.st_gid, mode: 0o640)
                }
            } catch {
                _ = await BlockingThreadPool.shared.run { unlink(packed) }
                throw BackupJob.rootCause(error, step: "fetching the shipped log \(object)")
            }
            _ = await BlockingThreadPool.shared.run { unlink(packed) }
        }
        logger.info(
            "shipped logs fetched", metadata: ["database": "\(database)", "logs": "\(objects.count)", "until": "\(plan.point)"])
    }
}
