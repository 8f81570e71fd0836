#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OsloRPC

/// The Trove exceptions the guest raises, as Trove's control plane re-raises them
/// (`trove.common.exception`, in its `allowed_remote_exmods`). Trove's exceptions pass no constructor arguments
/// over the wire (`args: []`, `kwargs: {}`); the client shows `message`.
public enum TroveError: Error, Equatable, RemoteErrorConvertible, CustomStringConvertible {
    /// "The '<operation>' operation is not supported for the '<datastore>' datastore."
    case datastoreOperationNotSupported(operation: String, datastore: String)
    /// "An error occurred communicating with the guest: <detail>."
    case guestError(String)
    /// "Unknown Backup type: <type> in namespace <namespace>"
    case unknownBackupType(type: String, namespace: String)
    /// "The instance has only <free>G free while the estimated backup size is <size>G."
    case insufficientSpaceForBackup(freeGB: Double, backupSizeGB: Double)
    /// A resource that does not exist, e.g. a guest log (Trove's `NotFound`: "Resource <uuid> cannot be found").
    case notFound(String)
    /// `BadRequest`: the request itself is invalid (a bad name, a reserved user).
    case badRequest(String)
    /// `ModuleTypeNotFound`: no guest module driver for a module's type.
    case moduleTypeNotFound(String)
    /// "You must be admin to <action> log '<log>'." (a guest log not exposed to this context).
    case logAccessForbidden(action: String, log: String)

    public var className: String {
        switch self {
        case .datastoreOperationNotSupported: "DatastoreOperationNotSupported"
        case .guestError: "GuestError"
        case .unknownBackupType: "UnknownBackupType"
        case .insufficientSpaceForBackup: "InsufficientSpaceForBackup"
        case .notFound: "NotFound"
        case .badRequest: "BadRequest"
        case .moduleTypeNotFound: "ModuleTypeNotFound"
        case .logAccessForbidden: "LogAccessForbidden"
        }
    }

    public var message: String {
        switch self {
        case .datastoreOperationNotSupported(let operation, let datastore):
            "The '\(operation)' operation is not supported for the '\(datastore)' datastore."
        case .guestError(let detail): "An error occurred communicating with the guest: \(detail)."
        case .unknownBackupType(let type, let namespace): "Unknown Backup type: \(type) in namespace \(namespace)"
        case .insufficientSpaceForBackup(let free, let size):
            "The instance has only \(Self.gigabytes(free))G free while the estimated backup size is \(Self.gigabytes(size))G."
        case .notFound(let detail): detail
        case .badRequest(let detail): detail
        case .moduleTypeNotFound(let detail): detail
        case .logAccessForbidden(let action, let log): "You must be admin to \(action) log '\(log)'."
        }
    }

    public var description: String { "\(className): \(message)" }

    public var remoteError: RemoteError {
        RemoteError(className: className, module: "trove.common.exception", message: message, args: [], kwargs: [:])
    }

    /// As Python prints the rounded float Trove formats with `%s` (`1.5`, `3.0`, `0.01`).
    static func gigabytes(_ value: Double) -> String {
        "\((value * 100).rounded() / 100)"
    }
}
