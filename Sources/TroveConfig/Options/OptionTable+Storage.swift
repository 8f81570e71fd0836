/// `[DEFAULT]` and `[service_credentials]`: backup, storage and retry options.
extension OptionTable {
    // MARK: - [DEFAULT]: backup and storage

    static let storageStrategy = Option.string(
        D, "storage_strategy", default: "SwiftStorage", choices: ["SwiftStorage", "LocalStorage"], origin: .trove,
        help: "Where backups go: `SwiftStorage` (Trove's) or `LocalStorage` (the agent's: a directory, "
            + "`backup_local_path`).")
    static let storageNamespace = Option.string(
        D, "storage_namespace", default: "trove.common.strategies.storage.swift", origin: .trove,
        help: "Python namespace of Trove's storage strategies.", compatibilityOnly: true)
    static let backupLocalPath = Option.string(
        D, "backup_local_path", default: "/var/lib/trove-db2-agent/backups", origin: .agent,
        help: "Directory of `LocalStorage` backups (same segment and manifest layout as Swift; `file://` locations).")
    static let backupSwiftContainer = Option.string(
        D, "backup_swift_container", default: "database_backups", origin: .trove,
        help: "Swift container for backups (created when missing).")
    static let backupUseGzipCompression = Option.boolean(
        D, "backup_use_gzip_compression", default: true, origin: .trove,
        help: "Compress backups with gzip (object name gets `.gz`).")
    static let backupUseOpenSSLEncryption = Option.boolean(
        D, "backup_use_openssl_encryption", default: true, origin: .trove,
        help: "Encrypt backups with AES-256-CBC in `openssl enc` format (object name gets `.enc`).")
    static let backupAESCBCKey = Option.string(
        D, "backup_aes_cbc_key", default: "default_aes_cbc_key", origin: .trove,
        help: "Passphrase of backup encryption. Trove's default is public: set your own.", secret: true)
    static let backupEncryptionDigest = Option.string(
        D, "backup_encryption_digest", default: "sha256", choices: ["md5", "sha256"], origin: .agent,
        help: "Digest of `openssl enc` key derivation for new backups: `md5` as OpenSSL 1.0 (Newton-era images), "
            + "`sha256` as OpenSSL >= 1.1. Restore tries both.")
    static let backupCompressionLevel = Option.integer(
        D, "backup_compression_level", default: 6, min: 1, max: 12, origin: .agent,
        help: "Deflate level of backup compression (1 fastest – 12 smallest; gzip's default is 6).")
    static let backupUseSnet = Option.boolean(
        D, "backup_use_snet", default: false, origin: .trove,
        help: "Use Swift's service network (Rackspace ServiceNet).", compatibilityOnly: true)
    static let backupChunkSize = Option.integer(
        D, "backup_chunk_size", default: 65536, min: 1, origin: .trove,
        help: "Bytes per read when streaming to and from object storage.")
    static let backupSegmentMaxSize = Option.integer(
        D, "backup_segment_max_size", default: 2_147_483_648, min: 1, origin: .trove,
        help: "Largest backup segment object in bytes; a larger backup becomes segments plus an SLO manifest.")
    static let backupRunnerOptions = Option.dict(
        D, "backup_runner_options", origin: .trove, help: "Extra options of Trove's backup runners.",
        compatibilityOnly: true)
    static let verifySwiftChecksumOnRestore = Option.boolean(
        D, "verify_swift_checksum_on_restore", default: true, origin: .trove,
        help: "Check the stored object's checksum against the backup's before restoring.")
    static let swiftURL = Option.optionalString(
        D, "swift_url", origin: .trove,
        help: "Swift URL ending in `AUTH_` (the tenant is appended). When unset, the endpoint comes from the RPC "
            + "context's service catalog.")
    static let swiftServiceType = Option.string(
        D, "swift_service_type", default: "object-store", origin: .trove,
        help: "Service type of Swift in the catalog.")
    static let swiftEndpointType = Option.string(
        D, "swift_endpoint_type", default: "publicURL", origin: .trove,
        help: "Endpoint type of Swift in the catalog (`publicURL`, `internalURL`, `adminURL`).")
    static let regionName = Option.string(
        serviceCredentialsSection, "region_name", default: "RegionOne", origin: .trove,
        help: "Region of the Swift endpoint in the catalog. Newton names it `[DEFAULT] os_region_name`.",
        deprecated: [inDefault("os_region_name")])
    static let swiftAPIInsecure = Option.boolean(
        D, "swift_api_insecure", default: false, origin: .trove,
        help: "Do not verify Swift's TLS certificate (Ussuri).")
    static let storageRetryTimeout = Option.integer(
        D, "storage_retry_timeout", default: 60, min: 0, origin: .agent,
        help: "Seconds a failed object-storage request (a segment, the manifest, a HEAD, a delete) keeps being "
            + "retried, with capped and jittered back-off from 0.5 s to 8 s, before the backup or restore fails: a "
            + "proxy restart or a short Swift outage is survived whatever the size of the backup.")
    static let storageCleanupSettleTime = Option.integer(
        D, "storage_cleanup_settle_time", default: 60, min: 0, origin: .agent,
        help: "Seconds after a failed or interrupted backup during which the agent keeps listing its partial upload "
            + "again before it declares it gone: a segment PUT in flight at a crash may still be committed by Swift "
            + "(or a buffering proxy) that long after. Deleting what is left is retried in the background until it "
            + "succeeds.")
    static let conductorReportTimeout = Option.integer(
        D, "conductor_report_timeout", default: 86400, min: 1, origin: .agent,
        help: "Seconds a backup's final `update_backup` keeps being sent again (with back-off) until the broker "
            + "routes it to the conductor's queue; it stays in the journal meanwhile, across restarts.")
    static let serviceAuthURL = Option.optionalString(
        serviceCredentialsSection, "auth_url", origin: .trove,
        help: "Identity endpoint of the service credentials: Keystone v3 (`.../v3`) or a TempAuth/SwAuth "
            + "`.../auth/v1.0`. The agent uses them only to delete a partial upload once the request's token has "
            + "expired; without them such a clean-up waits for the next request's token.")
    static let serviceUsername = Option.optionalString(
        serviceCredentialsSection, "username", origin: .trove,
        help: "User of the service credentials (TempAuth: `account:user`).")
    static let servicePassword = Option.optionalString(
        serviceCredentialsSection, "password", origin: .trove, help: "Password of the service credentials.",
        secret: true)
    static let serviceProjectName = Option.optionalString(
        serviceCredentialsSection, "project_name", origin: .trove, help: "Project of the service credentials.")
    static let serviceUserDomainName = Option.string(
        serviceCredentialsSection, "user_domain_name", default: "Default", origin: .trove,
        help: "Domain of the service credentials' user.")
    static let serviceProjectDomainName = Option.string(
        serviceCredentialsSection, "project_domain_name", default: "Default", origin: .trove,
        help: "Domain of the service credentials' project.")
}
