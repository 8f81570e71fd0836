import AgentSupport
import OsloRPC

/// Methods that need no datastore: `rpc_ping`, `get_filesystem_stats`.
public enum BasicMethods {
    public static func methods(mountPoint: String) -> [GuestMethod] {
        [
            GuestMethod("rpc_ping") { _, args in
                try args.allowOnly([])
                return true
            },
            // The API calls it `get_volume_info`; Trove ignores `fs_path` and reports the DB2 mount point.
            GuestMethod("get_filesystem_stats") { _, args in
                try args.allowOnly(["fs_path"])
                _ = try args.optionalString("fs_path")
                return try FilesystemStats.of(path: mountPoint)
            },
        ]
    }
}
