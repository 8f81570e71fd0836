import BackupStream
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import ObjectStorage

/// How the agent backs up and restores: strategy, directories, stream format, store, journal and reporting.
/// Mapped from Trove's options by ``init(_:)`` (`BackupSettings+TroveConfig.swift`); tests build it directly.
public struct BackupSettings: Sendable {
    /// `[db2] backup_strategy`: the runner for `create_backup`, and the `backup_type` reported.
    public var strategy: BackupStrategy
    /// `[db2] mount_point`: DB2's local database directory on the data volume.
    public var mountPoint: String
    /// Where images are written and restored from (`<mount_point>/backup`, Trove's `DB2_BACKUP_DIR`).
    public var backupDirectory: String
    /// Where a restore extracts each image's logs (`LOGTARGET`, also the rollforward's overflow log path); one
    /// empty sub-directory per database. `<mount_point>/RestoreLogs`.
    public var restoreLogDirectory: String
    /// `[db2] verify_backup_images`: `db2ckbkp` each image before it leaves the machine.
    public var verifyImages: Bool
    /// How new backups are packed (compression, level, key, digest).
    public var pack: BackupPackOptions
    /// How backups are unpacked on restore (the restoring guest's compression and key, as in Trove).
    public var unpack: BackupUnpackOptions
    /// Where backups are stored.
    public var storage: BackupStorageSettings
    /// `state_dir`: the operation journal lives in `<state_dir>/operations`.
    public var stateDirectory: String
    /// Extra room asked for on top of the size estimate (0.1 = 10 %).
    public var spaceMargin: Double
    /// How often a long phase logs its progress (bytes, rate, ETA).
    public var progressInterval: Duration
    /// How long a backup waits for its final `update_backup` to be delivered before it ends anyway (the report is
    /// then delivered in the background, its journal record kept until it is).
    public var reportDeadline: Duration
    /// How long a final `update_backup` keeps being sent again until a conductor queue takes it
    /// (`conductor_report_timeout`).
    public var reportTimeout: Duration
    /// Archived logs are shipped to the store (`[db2] log_shipping`): a backup then leaves the archived logs it
    /// carries to the shipper, which deletes each once it is stored.
    public var shipsLogs = false
    /// This guest's id (`guest_id`), recorded with online backups: the shipped logs that continue them are under
    /// `db2logs/<it>/`.
    public var guestID: String?

    public init(
        strategy: BackupStrategy, mountPoint: String, verifyImages: Bool = true,
        pack: BackupPackOptions, unpack: BackupUnpackOptions, storage: BackupStorageSettings, stateDirectory: String,
        spaceMargin: Double = 0.1, progressInterval: Duration = .seconds(10), reportDeadline: Duration = .seconds(30),
        reportTimeout: Duration = .seconds(86400)
    ) {
        self.strategy = strategy
        self.mountPoint = mountPoint
        backupDirectory = Self.join(mountPoint, "backup")
        restoreLogDirectory = Self.join(mountPoint, "RestoreLogs")
        self.verifyImages = verifyImages
        self.pack = pack
        self.unpack = unpack
        self.storage = storage
        self.stateDirectory = stateDirectory
        self.spaceMargin = spaceMargin
        self.progressInterval = progressInterval
        self.reportDeadline = reportDeadline
        self.reportTimeout = reportTimeout
    }

    /// The object name Trove gives a backup: `<backup_id>` + `.gz` + `.enc` as configured.
    public func objectName(backupID: String) -> String {
        BackupObjectName.manifest(
            backupID: backupID, compressed: pack.compress, encrypted: pack.encryptionKey != nil)
    }

    /// The journal's directory.
    public var journalDirectory: String { Self.join(stateDirectory, "operations") }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// Where backups are stored: Trove's `storage_strategy` with its Swift options, or the agent's local store.
public struct BackupStorageSettings: Sendable {
    /// `storage_strategy`.
    public var strategy: BackupStore
    /// `backup_local_path` (``BackupStore/local``).
    public var localPath: String
    /// `swift_url` (ending in `AUTH_`; the context's tenant is appended), or `nil` to use the context's catalog.
    public var swiftURL: String?
    /// `swift_service_type`.
    public var serviceType: String
    /// `swift_endpoint_type`.
    public var endpointType: String
    /// `os_region_name`.
    public var region: String?
    /// Container, segment size, chunk size, checksum verification, retries.
    public var configuration: StorageConfiguration
    /// How long a failed backup's partial upload keeps being listed again before it counts as gone
    /// (`storage_cleanup_settle_time`).
    public var cleanupSettleTime: Duration
    /// Trove's `[service_credentials]`, for clean-ups once the request's token expired.
    public var serviceCredentials: SwiftCredentials?

    public init(
        strategy: BackupStore, localPath: String = "", swiftURL: String? = nil,
        serviceType: String = "object-store", endpointType: String = "publicURL", region: String? = "RegionOne",
        configuration: StorageConfiguration = StorageConfiguration(), cleanupSettleTime: Duration = .zero,
        serviceCredentials: SwiftCredentials? = nil
    ) {
        self.strategy = strategy
        self.localPath = localPath
        self.swiftURL = swiftURL
        self.serviceType = serviceType
        self.endpointType = endpointType
        self.region = region
        self.configuration = configuration
        self.cleanupSettleTime = cleanupSettleTime
        self.serviceCredentials = serviceCredentials
    }
}
