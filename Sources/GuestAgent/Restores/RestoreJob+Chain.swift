import AgentSupport
import DB2
import FoundationEssentials
import Logging
import ObjectStorage

/// The restore of an incremental backup: the chain it builds on is read back through each `parent_location` (each
/// parent checked against the checksum its child recorded) only as far as its images need; every backup holding
/// a needed image is downloaded into a directory of its own and checked against its index; then per database
/// Db2's manual incremental restore runs (the target image, the full image, each incremental or delta in order,
/// the target again, then the rollforward). A missing or altered link fails the restore before any database is
/// touched.
extension RestoreJob {
    func restoreChain(
        _ named: BackupChain, storage: any BackupStorage, shipped: ShippedLogs?, record: JournalEntry,
        progress: OperationProgress, logger: Logger
    ) async throws {
        var chain = named
        guard let target = chain.links[0].index else { return }
        await record.update(step: "reading the backup chain")
        var lineages: [(database: DatabaseName, images: [(image: ChainImage, link: Int)])] = []
        for image in target.images {
            let lineage = try await chain.lineage(of: image, at: 0)
            lineages.append((image.database, lineage))
        }
        let needed = Set(lineages.flatMap { $0.images.map(\.link) }).sorted()
        logger.info(
            "restoring an incremental chain",
            metadata: [
                "chain.backups": "\(needed.count)",
                "chain.images": "\(lineages.map { "\($0.database): \($0.images.map(\.image.timestamp).joined(separator: " → "))" }.joined(separator: "; "))",
            ])

        // Every needed backup, oldest first, each in its own directory, checked against its index.
        var directories: [Int: String] = [:]
        for link in needed.reversed() {
            let location = chain.links[link].location
            let directory = settings.backupDirectory + "/chain-\(link)"
            try await step("preparing \(directory)") {
                try await BackupDirectories.makeEmpty(directory, ownedLike: settings.mountPoint)
            }
            try await download(
                location, checksum: chain.links[link].checksum,
                size: chain.links[link].info.size, into: directory, storage: storage, record: record,
                progress: progress)
            try await chain.links[link].checkManifest(unpackedIn: directory)
            directories[link] = directory
        }

        try await step("preparing \(settings.restoreLogDirectory)") {
            try await BackupDirectories.makeEmpty(settings.restoreLogDirectory, ownedLike: settings.mountPoint)
        }
        for (number, lineage) in lineages.enumerated() {
            var images: [BackupImage] = []
            for (image, link) in lineage.images {
                guard let directory = directories[link] else { continue }
                images.append(try await imageFile(of: image, in: directory))
            }
            guard let targetImage = images.last else { continue }
            let label = lineage.images.count == 1
                ? "RESTORE DATABASE \(lineage.database)"
                : "incremental RESTORE DATABASE \(lineage.database) (\(images.count) images)"
            await record.update(step: label)
            progress.begin("database", label: "\(label) (\(number + 1)/\(lineages.count))")
            let logTarget = try await logTarget(for: lineage.database, shipped: shipped)
            let until = shipped?.plan.point.rollforward ?? .endOfBackup
            if images.count == 1 {
                if target.online {
                    try await step(label) {
                        try await database.restoreOnline(targetImage, logDirectory: logTarget, until: until)
                    }
                } else {
                    try await step(label) { try await database.restoreOffline(targetImage) }
                }
            } else {
                let before = Array(images.dropLast())
                try await step(label) {
                    try await database.restoreIncremental(
                        targetImage, chain: before, online: target.online, logDirectory: logTarget, until: until)
                }
            }
            logger.info(
                "database restored",
                metadata: ["database": "\(lineage.database)", "images": "\(images.map(\.timestamp).joined(separator: ","))"])
        }
        progress.end("database")
        try await afterRestore(online: target.online, record: record, logger: logger)
    }

    /// The image file of `image` in `directory`.
    private func imageFile(of image: ChainImage, in directory: String) async throws -> BackupImage {
        let images = try await step("listing the images in \(directory)") { try await database.listImages(in: directory) }
        guard let file = images.first(where: { $0.database == image.database && $0.timestamp == image.timestamp }) else {
            throw BackupOperationError.brokenChain("the backup unpacked in \(directory) holds no image \(image)")
        }
        return file
    }
}
