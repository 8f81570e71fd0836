import Foundation

/// `CALL GET_DBSIZE_INFO(?, ?, ?, refresh-window)`: the database size and capacity, cached as Db2 caches them.
///
/// IBM, *GET_DBSIZE_INFO procedure*
/// (https://www.ibm.com/docs/en/db2/10.1.0?topic=views-get-dbsize-info-database-size-capacity): the size is the sum of
/// the used pages of the table spaces (`dbsize = sum(used_pages * page_size)`), log files not included; the values are
/// stored (in `SYSTOOLS.STMG_DBSIZE_INFO`) and returned as they are while younger than the refresh window, in minutes;
/// `-1` is the default window of 30 minutes, `0` computes fresh values. The stand-in keeps the cache in
/// `SQLnnnnn/STMG_DBSIZE_INFO.json`; its "table spaces" are the catalog file and the table data files.
struct DatabaseSizeInfo: Codable, Equatable {
    /// When the values were computed, in microseconds (``DB2Time/now()``).
    var snapshot: Int64
    var size: Int64
    var capacity: Int64

    /// The default refresh window (`-1`), in minutes [IBM page above for "-1 = default"; 30 minutes: mem].
    static let defaultWindowMinutes: Int64 = 30

    /// The cached values when younger than `windowMinutes` (negative: the default), else fresh values, stored.
    static func current(windowMinutes: Int64, state: DatabaseState, store: DatabaseStore) -> DatabaseSizeInfo {
        let window = windowMinutes < 0 ? defaultWindowMinutes : windowMinutes
        let now = DB2Time.now()
        let cacheFile = "\(store.location.root)/STMG_DBSIZE_INFO.json"
        if window > 0, let bytes = try? FileSystem.read(cacheFile),
            let cached = try? JSONDecoder().decode(DatabaseSizeInfo.self, from: Data(bytes)),
            now - cached.snapshot < window * 60_000_000, cached.snapshot <= now
        {
            return cached
        }
        let size = store.tableSpaceSize(of: state)
        let fresh = DatabaseSizeInfo(
            snapshot: now, size: size, capacity: size + FileSystem.space(at: store.location.root).free)
        if let encoded = try? JSONEncoder().encode(fresh) {
            // A cache that cannot be written is recomputed next time, as when it is stale.
            try? FileSystem.writeAtomically(Array(encoded), to: cacheFile)
        }
        return fresh
    }

    /// The CLP output of the CALL: the three output parameters, then the return status.
    var output: String {
        let parameters: [(String, String)] = [
            ("SNAPSHOTTIMESTAMP", DB2Time.timestamp(snapshot, local: true)),
            ("DATABASESIZE", String(size)),
            ("DATABASECAPACITY", String(capacity)),
        ]
        var lines = ["", "  Value of output parameters", "  --------------------------"]
        for (index, (name, value)) in parameters.enumerated() {
            if index > 0 { lines.append("") }
            lines.append("  Parameter Name  : \(name)")
            lines.append("  Parameter Value : \(value)")
        }
        lines += ["", "  Return Status = 0", ""]
        return lines.map { $0 + "\n" }.joined()
    }
}
