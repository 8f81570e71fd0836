import BackupStream
import ObjectStorage
import TroveConfig

extension BackupSettings {
    /// Maps Trove's backup, storage and `[db2]` options (already validated) onto the backup settings.
    ///
    /// | Setting | Trove option |
    /// |---|---|
    /// | ``strategy`` | `[db2] backup_strategy` |
    /// | ``pack`` | `backup_use_gzip_compression`, `backup_compression_level`, `backup_use_openssl_encryption`, `backup_aes_cbc_key`, `backup_encryption_digest` |
    /// | ``unpack`` | the same switches and key; the digest is detected (md5, then sha256) |
    /// | ``storage`` | `storage_strategy`, `backup_local_path`, `backup_swift_container`, `backup_segment_max_size`, `backup_chunk_size`, `verify_swift_checksum_on_restore`, `swift_url`, `swift_service_type`, `swift_endpoint_type`, `os_region_name`, `storage_retry_timeout`, `storage_cleanup_settle_time`, `[service_credentials]` |
    /// | ``reportTimeout`` | `conductor_report_timeout` |
    public init(_ config: AgentConfiguration) {
        let backup = config.backup
        let key = backup.useEncryption ? backup.encryptionKey : nil
        var pack = BackupPackOptions(
            compress: backup.useCompression, compressionLevel: backup.compressionLevel, encryptionKey: key)
        if let digest = try? StandardStreams.digest(named: backup.encryptionDigest.rawValue) { pack.digest = digest }
        // Restored files belong to the restore directory's owner, which the restore gives the mount point's owner
        // (the DB2 instance owner, who restores them): never to the owners the backup names.
        let unpack = BackupUnpackOptions(
            compressed: backup.useCompression, decryptionKey: key, digest: .automatic, owner: .targetDirectory)
        let storage = config.storage
        let configuration = StorageConfiguration(
            container: storage.container, segmentSize: Int64(storage.segmentMaxSize), chunkSize: storage.chunkSize,
            retry: RetryPolicy(budget: storage.retryTimeout), verifyChecksumOnLoad: storage.verifyChecksumOnRestore,
            spoolDirectory: Self.join(config.stateDirectory, "spool"))
        self.init(
            strategy: BackupStrategy(rawValue: config.db2.backupStrategy.rawValue) ?? .online,
            mountPoint: config.db2.mountPoint,
            verifyImages: config.db2.verifyBackupImages, pack: pack, unpack: unpack,
            storage: BackupStorageSettings(
                strategy: BackupStore(rawValue: storage.strategy.rawValue) ?? .swift, localPath: storage.localPath,
                swiftURL: storage.swiftURL,
                serviceType: storage.swiftServiceType, endpointType: storage.swiftEndpointType,
                region: storage.regionName.isEmpty ? nil : storage.regionName, configuration: configuration,
                cleanupSettleTime: storage.cleanupSettleTime,
                serviceCredentials: storage.serviceCredentials.map { credentials in
                    SwiftCredentials(
                        authURL: credentials.authURL, username: credentials.username,
                        password: credentials.password, projectName: credentials.projectName,
                        userDomainName: credentials.userDomainName, projectDomainName: credentials.projectDomainName)
                }),
            stateDirectory: config.stateDirectory, reportTimeout: storage.reportTimeout)
        shipsLogs = config.db2.logShipping && strategy == .online
        guestID = config.guestID
    }
}
