import DB2
import FoundationEssentials
import Logging
import ObjectStorage

/// Retention: shipped logs are kept for the backups that need them, and no longer. Each online backup this agent
/// stores is recorded (its index says, per database, the log chain and the first log file its image does not
/// hold); after each backup and at start, every recorded backup is HEADed, those gone from the store (deleted
/// through Trove) are forgotten, and a database's shipped logs older than what the oldest remaining backup needs are
/// deleted: earlier chains, and earlier files of its chain. A backup that cannot be HEADed for another reason
/// (the store down, a token refused) stops the pass: nothing is deleted on a guess. With no recorded backup,
/// nothing is deleted. `log_retention_days` (Swift's `X-Delete-At`) is a floor under this, set at upload.
extension LogShipper {
    /// A backup was stored at `location`: keep the logs it needs, and prune those no backup needs any more.
    func backupStored(location: String) async {
        state.backups.insert(location)
        await saveState()
        await prune()
    }

    /// One retention pass.
    func prune() async {
        guard !state.backups.isEmpty, backup.storage.strategy == .local || state.context != nil else { return }
        let storage: any BackupStorage & WholeObjectStore
        do { storage = try await store() } catch { return }
        var floors: [DatabaseName: LogPosition] = [:]
        for location in state.backups.sorted() {
            let info: StoredObjectInfo
            do {
                info = try await storage.info(location: location, expectedChecksum: nil)
            } catch let error as ObjectStorageError where BackupChain.isMissing(error) {
                logger.info("a backup is gone from the store: its logs are no longer kept for it", metadata: ["backup": "\(location)"])
                state.backups.remove(location)
                continue
            } catch {
                logger.warning("retention skipped: a backup cannot be read", metadata: ["backup": "\(location)", "error": "\(error)"])
                return
            }
            for (name, end) in ChainMetadata(metadata: info.metadata)?.logs ?? [:] {
                if let floor = floors[name], (floor.chain, floor.firstActiveLog) <= (end.position.chain, end.position.firstActiveLog) {
                    continue
                }
                floors[name] = end.position
            }
        }
        await saveState()
        var removed = 0
        for (name, floor) in floors {
            guard let prefix = try? ShippedLogNaming.database(instanceID: settings.instanceID, database: name),
                let objects = try? await storage.list(under: prefix)
            else { continue }
            for object in objects where object.components.count == 5 {
                let chain = object.components[3]
                guard let number = ShippedLogNaming.number(ofObject: object.components[4]),
                    chain < floor.chain || (chain == floor.chain && number < floor.firstActiveLog)
                else { continue }
                do {
                    try await storage.delete(object)
                    removed += 1
                } catch {
                    logger.warning("a shipped log no backup needs could not be deleted", metadata: ["log": "\(object)", "error": "\(error)"])
                }
            }
        }
        if removed > 0 { logger.info("shipped logs no backup needs removed", metadata: ["logs": "\(removed)"]) }
    }
}
