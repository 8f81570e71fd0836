import DB2
import TroveConfig

extension DB2ManagerConfiguration {
    /// The DB2 manager's settings from Trove's configuration (`[db2]` and the volume options of `[DEFAULT]`).
    public init(_ config: AgentConfiguration) {
        let db2 = config.db2
        let volume = config.volume
        self.init(
            instanceOwner: db2.instanceOwner, instanceHome: db2.instanceHome, mountPoint: db2.mountPoint,
            backupStrategy: db2.backupStrategy == .online ? .online : .offline, ignoreUsers: db2.ignoreUsers,
            volumeSupport: db2.volumeSupport,
            volume: Volume(
                fileSystemType: volume.fileSystemType, formatOptions: volume.formatOptions,
                formatTimeout: volume.formatTimeout, mountOptions: volume.mountOptions,
                deviceCheckTries: volume.deviceCheckTries),
            commandTimeout: db2.commandTimeout, backupTimeout: db2.backupTimeout, restoreTimeout: db2.restoreTimeout,
            stateChangeWaitTime: db2.stateChangeWaitTime, stateChangePollTime: db2.stateChangePollTime,
            stateDirectory: config.stateDirectory)
    }
}
