import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OsloRPC

/// `get_filesystem_stats`: statvfs of the datastore's mount point in Trove's shape
/// (`trove/guestagent/dbaas.py get_filesystem_volume_stats`).
public enum FilesystemStats {
    /// - Throws: `RuntimeError("Filesystem not found (<path>)")` as Trove raises it.
    public static func of(path: String) throws(RemoteError) -> JSONValue {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else {
            throw RemoteError.builtin("RuntimeError", "Filesystem not found (\(path))")
        }
        let blockSize = Int64(stats.f_bsize)
        let total = Int64(stats.f_blocks) * blockSize
        let free = Int64(stats.f_bfree) * blockSize
        return [
            "block_size": .int(blockSize), "total_blocks": .int(Int64(stats.f_blocks)),
            "free_blocks": .int(Int64(stats.f_bfree)), "total": .double(toGB(total)), "free": .int(free),
            "used": .double(toGB(total - free)),
        ]
    }

    /// Trove's `to_gb`: GiB rounded to 2 decimals, at least 0.01 when not zero.
    public static func toGB(_ bytes: Int64) -> Double {
        if bytes == 0 { return 0.0 }
        let gigabytes = Double(bytes) / 1_073_741_824
        return max((gigabytes * 100).rounded(.toNearestOrEven) / 100, 0.01)
    }
}
