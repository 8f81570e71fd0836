import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// What log shipping needs from Db2: closing the active log on demand, and telling whether a database wrote since.
extension DB2Manager {
    /// `ARCHIVE LOG FOR DATABASE d`: Db2 truncates the active log file and archives it (IBM, *ARCHIVE LOG
    /// command*). Run from a CLP job without a connection: Db2 refuses it while the caller is connected to the
    /// database.
    ///
    /// - Throws: ``DB2Error`` with Db2's message.
    public nonisolated func archiveLog(of name: DatabaseName) async throws(DB2Error) {
        try await executor.clpChecked(
            ["ARCHIVE LOG FOR DATABASE \(name)"], step: "ARCHIVE LOG", database: name.value,
            timeout: configuration.commandTimeout)
        logger.debug("active log archived", metadata: ["db2.database": "\(name)"])
    }

    /// When `name` last wrote its log: the newest modification time of the `S*.LOG` files in its active log
    /// directory (`GET DATABASE CONFIGURATION`'s "Path to log files"); nil when that cannot be read.
    public nonisolated func lastLogWrite(of name: DatabaseName) async -> Date? {
        guard let listing = try? await databaseConfiguration(name),
            let directory = listing.states["path to log files"], directory.hasPrefix("/")
        else { return nil }
        return await BlockingThreadPool.shared.run { () -> Date? in
            guard let handle = try? DirectoryHandle.open(directory), let names = try? handle.entryNames() else { return nil }
            var newest: Date?
            for name in names where name.hasPrefix("S") && name.hasSuffix(".LOG") {
                guard let info = try? handle.status(of: name) else { continue }
                let modified = Date(
                    timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1_000_000_000)
                if newest.map({ modified > $0 }) ?? true { newest = modified }
            }
            return newest
        }
    }
}

extension DB2Manager {
    /// Where `name`'s log stands now (after an online backup: the first log file its image does not hold): the
    /// newest log chain directory Db2 archived into (`<archive>/<instance>/<DB>/NODE0000/LOGSTREAM0000/Cnnnnnnn`)
    /// and `GET DATABASE CONFIGURATION`'s "First active log file". Nil when either cannot be read.
    public nonisolated func logPosition(of name: DatabaseName) async -> LogPosition? {
        guard let listing = try? await databaseConfiguration(name),
            let first = listing.states["first active log file"], first.hasPrefix("S"), first.hasSuffix(".LOG"),
            let number = Int(first.dropFirst().dropLast(4))
        else { return nil }
        let root = configuration.archiveLogDirectory
        let chain = await BlockingThreadPool.shared.run { () -> String? in
            guard let archive = try? DirectoryHandle.open(root), let instances = try? archive.entryNames() else { return nil }
            var newest: String?
            for instance in instances {
                guard let stream = try? archive.openDirectory(instance).openDirectory(name.value)
                    .openDirectory("NODE0000").openDirectory("LOGSTREAM0000"),
                    let chains = try? stream.entryNames()
                else { continue }
                for chain in chains where chain.count == 8 && chain.hasPrefix("C") && chain.dropFirst().allSatisfy(\.isASCIIDigit) {
                    if newest.map({ chain > $0 }) ?? true { newest = chain }
                }
            }
            return newest
        }
        guard let chain else { return nil }
        return LogPosition(chain: chain, firstActiveLog: number)
    }
}
