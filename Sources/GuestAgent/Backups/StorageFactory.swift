import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import ObjectStorage
import OsloRPC

/// Builds the store one backup or restore talks to, as Trove does it: Swift reached with the *request's*
/// credentials (the end user's token from the context, the storage URL from `swift_url` + the context's tenant
/// or from the context's service catalog), or the agent's local directory store.
public struct StorageFactory: Sendable {
    public let settings: BackupStorageSettings
    private let logger: Logger

    public init(settings: BackupStorageSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// The store for a request made in `context`.
    ///
    /// - Throws: ``BackupOperationError/storageUnreachable(_:)`` when the context lacks what Swift needs (a token,
    ///   a tenant for `swift_url`, an object-store endpoint in the catalog), or the configuration is invalid.
    public func storage(for context: RequestContext) throws -> any BackupStorage {
        do {
            switch settings.strategy {
            case .local:
                return try LocalStorage(
                    directory: settings.localPath, configuration: settings.configuration, logger: logger)
            case .swift:
                return try SwiftStorage(
                    endpoint: try swiftEndpoint(for: context), configuration: settings.configuration, logger: logger)
            }
        } catch let error as BackupOperationError {
            throw error
        } catch {
            throw BackupOperationError.storageUnreachable("\(error)")
        }
    }

    /// The store for `context`'s account, with `token` instead of the context's (a token of the agent's own).
    ///
    /// - Throws: ``BackupOperationError/storageUnreachable(_:)``.
    public func storage(for context: RequestContext, token: Secret<String>) throws -> any BackupStorage {
        guard settings.strategy == .swift else { return try storage(for: context) }
        do {
            let endpoint = try swiftEndpoint(for: context)
            return try SwiftStorage(
                endpoint: SwiftEndpoint(storageURL: endpoint.storageURL, token: token),
                configuration: settings.configuration, logger: logger)
        } catch let error as BackupOperationError {
            throw error
        } catch {
            throw BackupOperationError.storageUnreachable("\(error)")
        }
    }

    /// The account a request in `context` writes to: the Swift storage URL (or the local store's directory).
    public func accountURL(for context: RequestContext) throws -> String {
        switch settings.strategy {
        case .local: settings.localPath
        case .swift: try swiftEndpoint(for: context).storageURL
        }
    }

    /// Trove's `preauthurl` and `preauthtoken` for the context.
    func swiftEndpoint(for context: RequestContext) throws -> SwiftEndpoint {
        guard let token = context.authToken, !token.revealed.isEmpty else {
            throw BackupOperationError.storageUnreachable(
                "the request context carries no auth_token, which Swift needs (Trove uses the caller's token)")
        }
        let catalog: Data? =
            switch context.serviceCatalog {
            case .string(let text)?: Data(text.utf8)  // some callers send the catalog as a JSON string
            case let value?: Data(JSONWriter.bytes(value))
            case nil: nil
            }
        do {
            return try SwiftEndpoint.resolve(
                swiftURL: settings.swiftURL, tenantID: context.tenant, serviceCatalog: catalog,
                serviceType: settings.serviceType, endpointType: settings.endpointType, region: settings.region,
                token: token)
        } catch {
            throw BackupOperationError.storageUnreachable("\(error)")
        }
    }
}
