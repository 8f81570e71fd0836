import AgentSupport
import OsloRPC

/// What Trove's DB2 manager declares unsupported: each answers `DatastoreOperationNotSupported` with Trove's
/// operation name and message, e.g. "The 'enable_root' operation is not supported for the 'db2' datastore."
///
/// `change_passwords` and `update_attributes` raise it inside Trove's end-notification wrapper (the base manager's
/// `with EndNotification(context)`), so when the request carries a notification the conductor hears
/// `notify_exc_info` and emits the `.error` event.
public enum UnsupportedMethods {
    /// RPC method → the operation name Trove reports.
    public static let operations: [String: String] = [
        "change_passwords": "change_passwords",
        "update_attributes": "update_attributes",
        "enable_root": "enable_root",
        "enable_root_with_password": "enable_root_with_password",
        "disable_root": "disable_root",
        "is_root_enabled": "is_root_enabled",
        "get_root_password": "get_root_password",
        "get_replication_snapshot": "get_replication_snapshot",
        "attach_replication_slave": "attach_replication_slave",
        "detach_replica": "detach_replica",
        "get_replica_context": "get_replica_context",
        "make_read_only": "make_read_only",
        "enable_as_master": "enable_as_master",
        "get_txn_count": "get_txn_count",
        "get_latest_txn_id": "get_latest_txn_id",
        "wait_for_txn": "wait_for_txn",
        "demote_replication_master": "demote_replication_master",
    ]

    /// The methods Trove wraps in `EndNotification`: their failure reaches the conductor as `notify_exc_info`.
    static let insideEndNotification: Set<String> = ["change_passwords", "update_attributes"]

    /// Each answers at once, whatever its arguments: the prompt lane.
    public static func methods(datastore: String, notifier: EndNotifier) -> [GuestMethod] {
        operations.map { method, operation in
            GuestMethod(method, lane: .prompt) { request, _ in
                let error = TroveError.datastoreOperationNotSupported(operation: operation, datastore: datastore)
                guard insideEndNotification.contains(method) else { throw error }
                return {
                    try await notifier.around(request) { () async throws -> Void in throw error }
                    return .null
                }
            }
        }
    }
}
