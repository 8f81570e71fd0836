import AgentSupport
import OsloRPC

/// Methods that need no datastore: `rpc_ping`, `get_filesystem_stats`. Both run in the prompt lane: Trove's
/// liveness checks and volume reports are answered even while every other slot waits on DB2.
public enum BasicMethods {
    public static func methods(mountPoint: String) -> [GuestMethod] {
        [
            GuestMethod("rpc_ping", lane: .prompt) { _, args in
                try args.allowOnly([])
                return { true }
            },
            // The API calls it `get_volume_info`; Trove ignores `fs_path` and reports the DB2 mount point. One
            // statvfs (on a thread of the blocking pool: a hung volume must not hold a cooperative thread): prompt.
            GuestMethod("get_filesystem_stats", lane: .prompt) { _, args in
                try args.allowOnly(["fs_path"])
                _ = try args.optionalString("fs_path")
                return { try await BlockingThreadPool.shared.run { try FilesystemStats.of(path: mountPoint) } }
            },
        ]
    }
}
