import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A step after the first of a manual incremental restore (IBM, *Restoring from incremental backup images*,
/// http://www.ibm.com/support/knowledgecenter/SSEPGG_11.1.0/com.ibm.db2.luw.admin.ha.doc/doc/t0006070.html): the
/// full image (the baseline), then each incremental or delta image "in the order in which they were produced", then
/// the target image a second time, which completes the restore like a restore of a full image (ROLLFORWARD PENDING
/// for a recoverable database, LOGTARGET extracting its logs).
///
/// An image that does not follow: SQL2572N naming the image that must come first, its base (an image of another
/// database, a link skipped, an image older than the last one restored, a full image after the baseline);
/// an image newer than the target: SQL2574N. The database is unchanged by a refused step.
struct IncrementalRestoreStep {
    /// The table space SQL2572N names: every image's first, the catalog table space [inference].
    static let tableSpace = "SYSCATSPACE"

    let restore: RestoreUtility
    let image: String
    let header: BackupImage.Header
    let progress: IncrementalRestoreProgress

    private var session: CLPSession { restore.session }

    func run(target: String) throws {
        try checkOrder()
        let (entry, utility) = try session.instance.update { state in
            try session.requireStarted(state)
            let entry = try session.entry(target, in: state)
            if !state.connections(to: entry.alias).isEmpty || state.activatedDatabases.contains(entry.alias) {
                throw DB2Failure(DB2Message("SQL1035N"))
            }
            let utility = try session.registerUtility(
                database: entry.alias, type: "RESTORE", description: "db", exclusive: true, in: &state)
            return (entry, utility)
        }
        defer { session.unregisterUtility(utility) }
        let store = session.instance.databaseStore(for: entry)
        let root = store.location.root
        let unpacked = try restore.unpack(image, into: root)
        guard header.timestamp == progress.targetTimestamp else {
            try store.update { database in database.incrementalRestore?.restored.append(header.timestamp) }
            return
        }
        try complete(unpacked, entry: entry, store: store)
    }

    private func outOfOrder(_ required: String) -> DB2Failure {
        DB2Failure(DB2Message("SQL2572N", Self.tableSpace, required))
    }

    /// The image must be of the same database, no newer than the target, and follow the images restored so far:
    /// first a full image, then images whose base has been restored, each newer than the last.
    private func checkOrder() throws {
        if header.timestamp > progress.targetTimestamp { throw DB2Failure(DB2Message("SQL2574N")) }
        let required = header.baseTimestamp ?? progress.restored.last ?? header.timestamp
        guard header.seed == progress.seed else { throw outOfOrder(required) }
        guard let last = progress.restored.last else {
            if header.backupKind != .full { throw outOfOrder(required) }
            return
        }
        guard header.backupKind != .full, header.timestamp > last, let base = header.baseTimestamp,
            progress.restored.contains(base)
        else { throw outOfOrder(required) }
    }

    /// The target read the second time: its data goes over what the earlier images left, and the database is
    /// installed from its catalog as a restore of a full image would be. Data files of tables the target does not
    /// have (dropped since the full image) are ignored.
    private func complete(
        _ unpacked: RestoreUtility.Unpacked, entry: InstanceState.DirectoryEntry, store: DatabaseStore
    ) throws {
        let data = store.location.dataDirectory
        for table in unpacked.catalog.tables where (FileSystem.fileSize("\(data)/\(table.dataFile)") ?? 0) < table.dataLength {
            // Only a sequence that skipped an image could leave a file short; the order checks prevent that.
            throw DB2Failure(DB2Message("SQL2530N"))
        }
        let wanted = Set(unpacked.catalog.tables.map(\.dataFile))
        for name in FileSystem.list(data) where !wanted.contains(name) { FileSystem.remove("\(data)/\(name)") }
        let nodeDirectory = session.layout.nodeDirectory(onPath: entry.localDirectory)
        let workDirectory = "\(nodeDirectory)/RESTORE.\(getpid())"
        FileSystem.remove(workDirectory)
        try FileSystem.createDirectory(workDirectory)
        try FileSystem.rename(data, to: "\(workDirectory)/DATA")
        var installed = unpacked
        installed.directory = workDirectory
        do {
            try restore.install(installed, as: entry.alias, replacing: entry, nodeDirectory: nodeDirectory, mode: .complete)
        } catch {
            // Put the data back: the sequence can be completed again.
            try? FileSystem.rename("\(workDirectory)/DATA", to: data)
            FileSystem.remove(workDirectory)
            throw error
        }
    }
}
