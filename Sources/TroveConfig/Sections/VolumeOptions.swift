/// How the data volume is formatted and mounted (Trove's `[DEFAULT]` volume options).
public struct VolumeOptions: Sendable, Equatable {
    /// File system made on a new volume (`volume_fstype`).
    public let fileSystemType: String
    /// mkfs options (`format_options`), as one string; split it at spaces for an argv.
    public let formatOptions: String
    /// Limit for formatting (`volume_format_timeout`).
    public let formatTimeout: Duration
    /// Mount options (`mount_options`).
    public let mountOptions: String
    /// Times to check that the device exists (`num_tries`).
    public let deviceCheckTries: Int
}

extension VolumeOptions {
    init(resolved: ResolvedOptions) {
        typealias T = OptionTable
        fileSystemType = resolved[T.volumeFSType]
        formatOptions = resolved[T.formatOptions]
        formatTimeout = .seconds(resolved[T.volumeFormatTimeout])
        mountOptions = resolved[T.mountOptions]
        deviceCheckTries = resolved[T.numTries]
    }
}
