/// Every option the agent reads: section, name, type, default, help, secret flag, deprecated names, and whether
/// Trove (or oslo) or the agent defines it.
///
/// This is the one place options are declared. The loader checks every option listed in ``all``, the typed
/// ``AgentConfiguration`` is built from these entries, `check-config` prints them, and the README's option
/// reference is ``markdownReference()``. Names and defaults are Trove's (Newton–Ussuri, `trove/common/cfg.py`) and
/// oslo.messaging's / oslo.log's; the agent's own options are marked ``OptionOrigin/agent``.
public enum OptionTable {
    /// The section names the agent reads. Others (`[profiler]`, `[upgrade_levels]`, `[mysql]`, ...) are ignored.
    public static let sections = [defaultSection, db2Section, rabbitSection, serviceCredentialsSection]

    static let defaultSection = "DEFAULT"
    static let db2Section = "db2"
    static let rabbitSection = "oslo_messaging_rabbit"
    static let serviceCredentialsSection = "service_credentials"

    static let D = defaultSection
    static let R = rabbitSection
    static let DB2 = db2Section
    static let mebibyte = 1024 * 1024

    /// `[DEFAULT] name`, for deprecated groups.
    static func inDefault(_ name: String) -> OptionName { OptionName(D, name) }
    /// `[oslo_messaging_rabbit] name`, for deprecated names.
    static func inRabbit(_ name: String) -> OptionName { OptionName(R, name) }

    // MARK: - The table

    /// Every option, in the order of reports and of the README.
    public static let all: [OptionDefinition] = [
        guestID.definition, datastoreManager.definition, tenantID.definition, instanceRPCEncryptionKey.definition,
        transportURL.definition, rpcBackend.definition, controlExchange.definition, rpcResponseTimeout.definition,
        rpcMaxMessageSize.definition, conductorQueue.definition, reportInterval.definition,
        stateChangeWaitTime.definition, stateChangePollTime.definition, stateDirectory.definition,
        shutdownGracePeriod.definition,
        storageStrategy.definition, storageNamespace.definition, backupLocalPath.definition,
        backupSwiftContainer.definition, backupUseGzipCompression.definition, backupUseOpenSSLEncryption.definition,
        backupAESCBCKey.definition, backupEncryptionDigest.definition, backupCompressionLevel.definition,
        backupUseSnet.definition, backupChunkSize.definition, backupSegmentMaxSize.definition,
        backupRunnerOptions.definition, verifySwiftChecksumOnRestore.definition, swiftURL.definition,
        swiftServiceType.definition, swiftEndpointType.definition, swiftAPIInsecure.definition,
        storageRetryTimeout.definition, storageCleanupSettleTime.definition, conductorReportTimeout.definition,
        volumeFSType.definition, formatOptions.definition, volumeFormatTimeout.definition, mountOptions.definition,
        numTries.definition,
        debug.definition, logFile.definition, logDir.definition, logLevel.definition, useJournal.definition,
        useSyslog.definition, logConfigAppend.definition,
        rabbitHost.definition, rabbitPort.definition, rabbitHosts.definition, rabbitUserID.definition,
        rabbitPassword.definition, rabbitVirtualHost.definition, ssl.definition, sslVersion.definition,
        sslKeyFile.definition, sslCertFile.definition, sslCAFile.definition, sslVerifyHostname.definition,
        rabbitLoginMethod.definition, rabbitRetryInterval.definition, rabbitRetryBackoff.definition,
        rabbitIntervalMax.definition, kombuReconnectDelay.definition, kombuFailoverStrategy.definition,
        kombuMissingConsumerRetryTimeout.definition, amqpDurableQueues.definition, amqpAutoDelete.definition,
        rabbitHAQueues.definition, rabbitQuorumQueue.definition, rabbitTransientQuorumQueue.definition,
        rabbitQuorumDeliveryLimit.definition, rabbitQuorumMaxMemoryLength.definition,
        rabbitQuorumMaxMemoryBytes.definition, rabbitTransientQueuesTTL.definition,
        rabbitQosPrefetchCount.definition, heartbeatTimeoutThreshold.definition, heartbeatRate.definition,
        enableCancelOnFailover.definition,
        mountPoint.definition, devicePath.definition, volumeSupport.definition, backupStrategy.definition,
        ignoreUsers.definition, guestLogExposedLogs.definition, defaultPasswordLength.definition,
        tcpPorts.definition, udpPorts.definition, icmp.definition, rootOnCreate.definition,
        backupNamespace.definition, restoreNamespace.definition, backupIncrementalStrategy.definition,
        replicationStrategy.definition, rootController.definition, instanceOwner.definition,
        instanceHome.definition, verifyBackupImages.definition, logShipping.definition, logShipInterval.definition,
        logRetentionDays.definition, commandTimeout.definition, backupTimeout.definition,
        restoreTimeout.definition,
        regionName.definition, serviceAuthURL.definition, serviceUsername.definition, servicePassword.definition,
        serviceProjectName.definition, serviceUserDomainName.definition, serviceProjectDomainName.definition,
    ]

    /// The definition whose current name is `name`, if any.
    public static func definition(for name: OptionName) -> OptionDefinition? { byName[name] }

    private static let byName: [OptionName: OptionDefinition] = Dictionary(
        all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
}
