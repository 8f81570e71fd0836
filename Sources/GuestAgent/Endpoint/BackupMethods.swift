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
                // Checked here as the coordinator will read it, so that a malformed one is refused by name before
                // anything starts.
                do { _ = try BackupRequest(backupInfo: backupInfo, context: request.context) } catch {
                    throw RemoteError.builtin("ValueError", "create_backup() argument 'backup_info': \(error)")
                }
                return {
                    try await coordinator.createBackup(backupInfo: backupInfo, context: request.context)
                    return .null
                }
            }
        ]
    }
}
