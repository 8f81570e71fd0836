import AgentSupport
import OsloRPC

/// `create_backup(backup_info)` (a cast): runs the configured backup strategy through the ``BackupCoordinator``.
/// The outcome reaches Trove as `update_backup` casts to the conductor, not as a reply.
public enum BackupMethods {
    public static func methods(coordinator: BackupCoordinator) -> [GuestMethod] {
        [
            GuestMethod("create_backup") { request, args in
                try args.allowOnly(["backup_info"])
                let backupInfo = try args.object("backup_info")
                return {
                    try await coordinator.createBackup(backupInfo: backupInfo, context: request.context)
                    return .null
                }
            }
        ]
    }
}
