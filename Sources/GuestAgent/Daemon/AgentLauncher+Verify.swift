import AgentSupport
import DB2
#if canImport(Glibc)
import Glibc
#endif
import Logging
import ObjectStorage
import Synchronization
import TroveConfig
import UnixSignals

extension AgentLauncher {
    /// What `verify` is asked (its command line and environment).
    public struct VerifyRequest: Sendable {
        /// The backup's location, as Trove records it.
        public var location: String
        /// The checksum Trove recorded for it, if known.
        public var checksum: String?
        /// Where the verification's own directory is made (default: the backup directory's parent).
        public var workDirectory: String?
        /// A Swift token; without one, a token is got with `[service_credentials]`.
        public var token: Secret<String>?
        /// The Swift storage URL; default: the location without its container and object.
        public var storageURL: String?
        /// Log at the configured level instead of warnings only.
        public var verbose: Bool

        public init(
            location: String, checksum: String?, workDirectory: String?, token: Secret<String>?, storageURL: String?,
            verbose: Bool
        ) {
            self.location = location
            self.checksum = checksum
            self.workDirectory = workDirectory
            self.token = token
            self.storageURL = storageURL
            self.verbose = verbose
        }
    }

    /// Exit code of `verify` when an object of the chain did not hold.
    public static let verificationFailed: Int32 = 1
    /// Exit code of `verify` when SIGINT or SIGTERM cut it short.
    public static let verificationInterrupted: Int32 = 130

    /// `verify`: reads the configuration as the daemon does, reaches the store (the local directory, or Swift with
    /// the request's token or one got with `[service_credentials]`), builds the DB2 manager as `run` does (for
    /// `db2ckbkp` only), and verifies the chain (``BackupVerifier``), printing one line per object and the
    /// verdict on standard output. Returns 0 only when every object held; ``verificationFailed`` when one did
    /// not; ``ExitCode/configuration`` when the configuration, the store's credentials or the DB2 manager are
    /// unusable; ``verificationInterrupted`` on SIGINT or SIGTERM (the work directory is removed first).
    public static func verify(configFiles: [String], configDirectories: [String], request: VerifyRequest) async -> Int32 {
        bootstrapLogging()
        let logger = Logger(label: "verify")
        guard let config = await loadConfiguration(files: configFiles, directories: configDirectories, logger: logger)
        else { return ExitCode.configuration.rawValue }
        AgentLogHandler.level.withLock { $0 = request.verbose ? config.logging.effectiveLevel : .warning }
        signal(SIGPIPE, SIG_IGN)
        var settings = BackupSettings(config)
        // Whatever `verify_swift_checksum_on_restore` says: checking is the point.
        settings.storage.configuration.verifyChecksumOnLoad = true
        let storage: any BackupStorage
        let manager: DB2Manager
        do {
            storage = try await verifyStorage(settings, request: request, logger: logger)
            manager = try DB2Manager(configuration: DB2ManagerConfiguration(config), logger: logger)
        } catch {
            TextOutput.write("trove-db2-agent verify: \(error)\n")
            return ExitCode.configuration.rawValue
        }
        let parent = request.workDirectory ?? PathText.parent(settings.backupDirectory)
        let verifier = BackupVerifier(
            storage: storage, database: manager, unpack: settings.unpack,
            workDirectory: BackupSettings.join(parent, "trove-db2-verify-" + RandomIdentifier.hex128().prefix(12)),
            ownedLike: settings.mountPoint, logger: logger)
        let work = Task {
            await verifier.verify(location: request.location, checksum: request.checksum) { object in
                TextOutput.write(object.line + "\n", to: STDOUT_FILENO)
            }
        }
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                work.cancel()
                return
            }
        }
        let result = await work.value
        signals.cancel()
        TextOutput.write(result.verdict + "\n", to: STDOUT_FILENO)
        if result.interrupted { return verificationInterrupted }
        return result.held ? ExitCode.success.rawValue : verificationFailed
    }

    /// The store `verify` reads: the configured local directory, or Swift at the request's storage URL (or the
    /// location's) with the request's token or one got with `[service_credentials]`.
    ///
    /// - Throws: ``BackupOperationError/storageUnreachable(_:)`` naming what is missing.
    static func verifyStorage(
        _ settings: BackupSettings, request: VerifyRequest, logger: Logger
    ) async throws -> any BackupStorage {
        try await operatorStorage(
            settings, location: request.location, token: request.token, storageURL: request.storageURL, logger: logger)
    }

    /// The store an operator's command reaches: the configured local directory, or Swift at `storageURL` (or the
    /// location's) with `token` or one got with `[service_credentials]`.
    ///
    /// - Throws: ``BackupOperationError/storageUnreachable(_:)`` naming what is missing.
    static func operatorStorage(
        _ settings: BackupSettings, location: String, token given: Secret<String>?, storageURL url: String?,
        logger: Logger
    ) async throws -> any BackupStorage {
        if let spool = settings.storage.configuration.spoolDirectory {
            // Each segment is spooled there until its MD5 is checked (``StorageConfiguration/spoolDirectory``).
            do {
                try await BlockingThreadPool.shared.run { _ = try DirectoryHandle.open(spool, creatingMissing: 0o700) }
            } catch {
                throw BackupOperationError.storageUnreachable("the download spool \(spool) cannot be prepared: \(error)")
            }
        }
        do {
            switch settings.storage.strategy {
            case .local:
                return try LocalStorage(
                    directory: settings.storage.localPath, configuration: settings.storage.configuration, logger: logger)
            case .swift:
                guard let storageURL = url ?? storageURL(of: location) else {
                    throw BackupOperationError.storageUnreachable(
                        "\(location) is not a Swift location (<storage URL>/<container>/<object>): give --storage-url")
                }
                let token: Secret<String>
                if let given {
                    token = given
                } else if let credentials = settings.storage.serviceCredentials {
                    token = try await SwiftAuthenticator(credentials: credentials, logger: logger).authenticate()
                } else {
                    throw BackupOperationError.storageUnreachable(
                        "Swift needs a token: set OS_AUTH_TOKEN (or give --os-token), or configure [service_credentials]")
                }
                return try SwiftStorage(
                    endpoint: SwiftEndpoint(storageURL: storageURL, token: token),
                    configuration: settings.storage.configuration, logger: logger)
            }
        } catch let error as BackupOperationError {
            throw error
        } catch {
            throw BackupOperationError.storageUnreachable("\(error)")
        }
    }

    /// The storage URL a Swift location starts with: everything before its last two path components
    /// (`<storage URL>/<container>/<object>`, as Trove forms it).
    static func storageURL(of location: String) -> String? {
        guard location.hasPrefix("http://") || location.hasPrefix("https://"),
            let objectSlash = location.lastIndex(of: "/")
        else { return nil }
        let rest = location[..<objectSlash]
        guard let containerSlash = rest.lastIndex(of: "/") else { return nil }
        let url = String(rest[..<containerSlash])
        guard let scheme = url.firstRange(of: "://"), !url[scheme.upperBound...].isEmpty else { return nil }
        return url
    }
}
