import AgentSupport

/// Where backups are stored: Trove's Swift options, plus the agent's local directory store.
public struct StorageOptions: Sendable, Equatable {
    /// The store.
    public enum Strategy: String, Sendable, Equatable {
        /// OpenStack Swift (Trove's default).
        case swift = "SwiftStorage"
        /// A local directory with the same layout (the agent's; demos and tests).
        case local = "LocalStorage"
    }

    /// The configured store.
    public let strategy: Strategy
    /// Directory of the local store (`backup_local_path`).
    public let localPath: String
    /// Swift container (`backup_swift_container`).
    public let container: String
    /// Bytes per read while streaming (`backup_chunk_size`).
    public let chunkSize: Int
    /// Largest segment object in bytes (`backup_segment_max_size`).
    public let segmentMaxSize: Int
    /// Check the stored checksum before restoring (`verify_swift_checksum_on_restore`).
    public let verifyChecksumOnRestore: Bool
    /// Swift URL ending in `AUTH_` (the tenant is appended), or `nil` to use the context's catalog.
    public let swiftURL: String?
    /// Catalog service type of Swift.
    public let swiftServiceType: String
    /// Catalog endpoint type of Swift.
    public let swiftEndpointType: String
    /// Catalog region.
    public let regionName: String
    /// Skip TLS verification of Swift (`swift_api_insecure`).
    public let insecure: Bool
    /// Use Swift's service network (`backup_use_snet`; accepted for compatibility).
    public let useServiceNet: Bool
    /// How long a failed storage request keeps being retried (`storage_retry_timeout`).
    public let retryTimeout: Duration
    /// How long a partial upload is listed again after a failure before it counts as gone
    /// (`storage_cleanup_settle_time`).
    public let cleanupSettleTime: Duration
    /// How long a final `update_backup` keeps being sent until it is routed (`conductor_report_timeout`).
    public let reportTimeout: Duration
    /// `[service_credentials]`, when `auth_url` and `username` are set: for clean-ups after a token expired.
    public let serviceCredentials: ServiceCredentials?
}

/// Trove's `[service_credentials]`: an identity the agent may authenticate as by itself.
public struct ServiceCredentials: Sendable, Equatable {
    /// Keystone v3 (`.../v3`) or TempAuth/SwAuth (`.../auth/v1.0`).
    public let authURL: String
    public let username: String
    public let password: Secret<String>
    public let projectName: String?
    public let userDomainName: String
    public let projectDomainName: String
}

extension StorageOptions {
    /// - Throws: ``ConfigError`` when `LocalStorage` is chosen and `backup_local_path` is not absolute.
    init(resolved: ResolvedOptions) throws(ConfigError) {
        typealias T = OptionTable
        strategy = Strategy(rawValue: resolved[T.storageStrategy]) ?? .swift
        localPath = strategy == .local ? try resolved.absolutePath(T.backupLocalPath) : resolved[T.backupLocalPath]
        container = resolved[T.backupSwiftContainer]
        chunkSize = resolved[T.backupChunkSize]
        segmentMaxSize = resolved[T.backupSegmentMaxSize]
        verifyChecksumOnRestore = resolved[T.verifySwiftChecksumOnRestore]
        swiftURL = resolved[T.swiftURL]
        swiftServiceType = resolved[T.swiftServiceType]
        swiftEndpointType = resolved[T.swiftEndpointType]
        regionName = resolved[T.regionName]
        insecure = resolved[T.swiftAPIInsecure]
        useServiceNet = resolved[T.backupUseSnet]
        retryTimeout = .seconds(resolved[T.storageRetryTimeout])
        cleanupSettleTime = .seconds(resolved[T.storageCleanupSettleTime])
        reportTimeout = .seconds(resolved[T.conductorReportTimeout])
        if let authURL = resolved[T.serviceAuthURL], !authURL.isEmpty, let username = resolved[T.serviceUsername],
            !username.isEmpty
        {
            serviceCredentials = ServiceCredentials(
                authURL: authURL, username: username, password: Secret(resolved[T.servicePassword] ?? ""),
                projectName: resolved[T.serviceProjectName], userDomainName: resolved[T.serviceUserDomainName],
                projectDomainName: resolved[T.serviceProjectDomainName])
        } else {
            serviceCredentials = nil
        }
    }
}
