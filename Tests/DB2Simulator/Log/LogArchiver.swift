import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Archives full log files (LOGARCHMETH1 `DISK:<dir>`) and removes active log files nothing needs any more.
enum LogArchiver {
    /// `<dir>/<instance>/<database>/NODE0000/LOGSTREAM0000/C<chain>/`, where DB2 archives to a disk.
    static func archivePath(base: String, instance: String, database: String, chain: Int) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/\(instance)/\(database)/NODE0000/LOGSTREAM0000/C\(DB2Time.pad(chain, 7))"
    }

    /// Copies every closed log file not yet archived, then prunes the active log directory. Returns true when the
    /// state changed. An archive that cannot be written is retried at the next commit, as DB2 retries.
    @discardableResult
    static func archiveAndPrune(state: inout DatabaseState, location: DatabaseLocation, instance: String) -> Bool {
        let before = state.log
        let current = state.log.position.file
        if let base = state.archiveDirectory {
            let target = archivePath(base: base, instance: instance, database: state.name, chain: state.log.chain)
            var next = state.log.archivedThrough + 1
            while next < current {
                let source = location.logFile(next)
                if FileSystem.exists(source) {
                    do {
                        try FileSystem.createDirectory(target)
                        try FileSystem.copyAtomically(source, to: "\(target)/\(LogFile.name(next))")
                    } catch {
                        break
                    }
                }
                state.log.archivedThrough = next
                next += 1
            }
        }
        prune(state: state, location: location)
        return before != state.log
    }

    /// Removes closed log files older than the LOGPRIMARY most recent ones, unless an online backup still needs them
    /// or they wait to be archived.
    private static func prune(state: DatabaseState, location: DatabaseLocation) {
        let current = state.log.position.file
        var keepFrom = current - max(1, state.configurationInteger("LOGPRIMARY") - 1)
        for backup in state.backupsInProgress { keepFrom = min(keepFrom, backup.start.file) }
        let method = state.effectiveArchiveMethod
        if method != "OFF" {
            guard state.archiveDirectory != nil else { return }
            keepFrom = min(keepFrom, state.log.archivedThrough + 1)
        }
        for name in FileSystem.list(location.logDirectory) {
            guard let number = LogFile.number(ofName: name), number < keepFrom else { continue }
            unlink("\(location.logDirectory)/\(name)")
        }
    }
}
