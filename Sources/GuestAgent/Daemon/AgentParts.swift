import AgentSupport
import AMQP
import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC
import ServiceLifecycle
import TroveConfig
import UnixSignals

/// Everything the running agent is made of, built in the order each part needs the others: the broker's side,
/// the DB2 manager, the backup coordinator (which reports through the conductor client), Trove's RPC surface
/// (which restores and backs up through the coordinator), and the services that run them.
struct AgentParts: Sendable {
    let configuration: GuestAgentConfiguration
    let manager: DB2Manager?
    let messaging: AgentMessaging
    let coordinator: BackupCoordinator?
    let shipper: LogShipper?
    let server: OsloRPCServer
    let notifier: SystemdNotifier?
    let activity: AgentActivity
    let statusProvider: any ServiceStatusProvider
    let reloader: LogLevelReloader
    /// Open once the consumer was first declared and consuming (`READY=1`).
    let ready: Latch
    let logger: Logger

    /// - Throws: when `instance_rpc_encr_key` cannot be used.
    init(config: AgentConfiguration, configFiles: [String], configDirectories: [String], logger: Logger) throws {
        self.logger = logger
        let configuration = GuestAgentConfiguration(config)
        self.configuration = configuration
        let notifier = SystemdNotifier()
        self.notifier = notifier
        activity = AgentActivity { text in notifier?.send("STATUS=\(text)") }
        reloader = LogLevelReloader(configFiles: configFiles, configDirectories: configDirectories, logger: logger)
        let ready = Latch()
        self.ready = ready
        messaging = try AgentMessaging(
            configuration: configuration, notifier: notifier, logger: logger, onReady: { ready.open() })
        let manager = AgentLauncher.makeDB2Manager(config, logger: logger)
        self.manager = manager
        statusProvider = manager.map(DB2StatusProvider.init)
            ?? EngineStatusProvider(instanceOwner: configuration.instanceOwner)
        var groups: [[GuestMethod]] = [
            BasicMethods.methods(mountPoint: configuration.mountPoint),
            UnsupportedMethods.methods(
                datastore: configuration.datastore,
                notifier: EndNotifier(conductor: messaging.conductor, guestID: configuration.guestID, logger: logger)),
            ModuleMethods.methods(),
        ]
        if let manager {
            let settings = BackupSettings(config)
            let shipper = settings.shipsLogs
                ? LogShipper(
                    settings: LogShippingSettings(
                        instanceID: configuration.guestID, archiveDirectory: config.db2.archiveLogDirectory,
                        interval: config.db2.logShipInterval, retentionDays: config.db2.logRetentionDays,
                        stateDirectory: settings.stateDirectory),
                    backup: settings, database: manager,
                    storageFactory: StorageFactory(settings: settings.storage, logger: logger), logger: logger,
                    status: { [activity] in activity.setBackground($0) })
                : nil
            self.shipper = shipper
            let coordinator = BackupCoordinator(
                settings: settings, database: manager, conductor: messaging.conductor, logger: logger,
                activity: activity, shipper: shipper)
            self.coordinator = coordinator
            groups += DB2Methods(
                manager: manager, conductor: messaging.conductor, markers: configuration.prepareMarkers,
                guestID: configuration.guestID, logger: logger,
                guestLogs: GuestLogMethods(
                    guestID: configuration.guestID, logFile: config.logging.logFilePath,
                    exposedLogs: config.db2.guestLogExposedLogs),
                restore: { request, backupInfo in
                    try await coordinator.restore(backupInfo: backupInfo, context: request.context)
                }
            ).groups
            groups.append(BackupMethods.methods(coordinator: coordinator))
        } else {
            coordinator = nil
            shipper = nil
        }
        server = OsloRPCServer(
            endpoint: TroveGuestEndpoint(groups: groups), publisher: messaging.publisher,
            configuration: configuration.rpc, serializer: messaging.serverSerializer, logger: logger)
    }

    /// The services, in start order; graceful shutdown goes the other way: the RPC server first (it stops consuming
    /// and drains), the publisher last (the server's replies and reports go through it).
    func services() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let serverEnded = Latch()
        let conductor = messaging.conductor
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: PublisherService(publisher: messaging.publisher, serverEnded: serverEnded)),
        ]
        if let notifier, let timeout = notifier.watchdogTimeout {
            let consumer = messaging.consumer
            let manager = self.manager
            let monitor = HealthMonitor(
                notifier: notifier, watchdogTimeout: timeout,
                consumerLastLoop: { consumer.lastLoopUptimeNanoseconds },
                probes: manager.map { manager in [{ await manager.isResponsive() }] } ?? [],
                isReady: { [ready] in ready.isOpen }, logger: logger)
            services.append(.init(service: UntilShutdown("watchdog") { await monitor.run() }))
        }
        let heartbeat = HeartbeatLoop(
            interval: configuration.reportInterval, markers: configuration.prepareMarkers,
            status: statusProvider, conductor: conductor, logger: logger,
            suppressed: { await conductor.periodicHeartbeatsPaused })
        services.append(.init(service: UntilShutdown("heartbeat") { await heartbeat.run() }))
        let reloader = self.reloader
        services.append(.init(service: UntilShutdown("SIGHUP reloads") { await reloader.run() }))
        if let shipper {
            services.append(.init(service: UntilShutdown("log shipping") { await shipper.run() }))
        }
        if ProcessInfo.processInfo.environment["TROVE_DB2_AGENT_TEST_HOOKS"] == "1" {
            services.append(.init(service: UntilShutdown("test hooks") { [messaging, logger] in
                await Self.runTestHooks(messaging: messaging, logger: logger)
            }))
        }
        // At start: DB2 started, and what a crash interrupted finished (a backup reported, cleaned up; a restore
        // reported). Both end on their own; the group goes on.
        let manager = self.manager
        let coordinator = self.coordinator
        services.append(
            .init(
                service: UntilShutdown("start-up") {
                    async let started: Void = manager?.startUp() ?? ()
                    async let recovered: Void = coordinator?.recoverInterruptedOperations() ?? ()
                    _ = await (started, recovered)
                }, successTerminationBehavior: .ignore))
        services.append(
            .init(
                service: RPCServerService(
                    consumer: messaging.consumer, server: server, notifier: notifier, activity: activity,
                    logger: logger,
                    abortLongOperations: { reason in
                        await coordinator?.abortRunningBackup(reason: reason)
                        await coordinator?.stopBackgroundWork()
                    }, ended: serverEnded)))
        return services
    }

    /// Test hooks, only with `TROVE_DB2_AGENT_TEST_HOOKS=1` in the environment (never set by the unit or Trove):
    /// SIGUSR2 stalls the AMQP consumer thread for 8 s, as a hung thread would, so a test can watch the watchdog
    /// pings stop.
    static func runTestHooks(messaging: AgentMessaging, logger: Logger) async {
        logger.warning("test hooks enabled (TROVE_DB2_AGENT_TEST_HOOKS=1)")
        for await _ in await UnixSignalsSequence(trapping: .sigusr2) {
            messaging.consumer.stallForTesting(seconds: 8)
        }
    }
}
