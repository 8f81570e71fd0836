import AgentSupport

/// The DB2 part of Trove's `prepare` (without `backup_info`).
public struct PrepareRequest: Sendable {
    /// The data volume to format and mount, or nil (no volume, or `volume_support` off).
    public var devicePath: String?
    /// Where to mount it; defaults to `[db2] mount_point`.
    public var mountPoint: String?
    /// `config_contents`, saved when not empty.
    public var configContents: String?
    /// DBM parameters to apply and store (then the instance restarts), as `update_overrides` does.
    public var overrides: [ConfigurationOverride]
    /// The host name DB2 records as `DB2SYSTEM`; defaults to the machine's.
    public var hostname: String?

    public init(
        devicePath: String? = nil, mountPoint: String? = nil, configContents: String? = nil,
        overrides: [ConfigurationOverride] = [], hostname: String? = nil
    ) {
        self.devicePath = devicePath
        self.mountPoint = mountPoint
        self.configContents = configContents
        self.overrides = overrides
        self.hostname = hostname
    }
}
