import AgentSupport
import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC

extension DB2Methods {
    // MARK: - prepare

    var prepareMethods: [GuestMethod] {
        [
            GuestMethod("prepare") { request, args in
                try args.allowOnly([
                    "packages", "databases", "memory_mb", "users", "device_path", "mount_point", "backup_info",
                    "config_contents", "root_password", "overrides", "cluster_config", "snapshot", "modules",
                    "ds_version",
                ])
                let databases = try args.optionalArray("databases") ?? []
                let users = try args.optionalArray("users") ?? []
                let devicePath = try args.optionalString("device_path")
                let mountPoint = try args.optionalString("mount_point")
                let backupInfo = try args.optionalObject("backup_info")
                let configContents = try args.optionalString("config_contents")
                let overrides = try args.optionalObject("overrides") ?? [:]
                let rootPassword = try args.optionalString("root_password")
                let modules = try args.optionalArray("modules") ?? []
                // Read now, refused in order during prepare (as Trove: a bad override fails it after `building`;
                // databases and users are created after the instance, failures only logged).
                let parsed = PrepareContents(
                    overrides: Result { () throws(DB2Error) in try DB2TroveModels.overrides(overrides) },
                    databases: databases, users: users)
                return {
                    if !modules.isEmpty {
                        // Trove applies them with its Python module drivers and only logs failures; this agent has none.
                        logger.warning("prepare: \(modules.count) guest module(s) not applied: this agent has no module drivers")
                    }
                    let job = PrepareJob(
                        manager: manager, conductor: conductor, markers: markers, notifier: notifier, logger: logger,
                        restore: restore)
                    try await notifier.around(request, payload: ["instance_id": .string(guestID)]) {
                        try await job.run(
                            request, contents: parsed, devicePath: devicePath, mountPoint: mountPoint,
                            backupInfo: backupInfo, configContents: configContents, rootPassword: rootPassword)
                    }
                    return .null
                }
            }
        ]
    }
}

extension DB2Methods {
    /// What `prepare` creates, read with its arguments: the overrides refused (or used) when prepare reaches them;
    /// each database and user checked on its own when prepare creates them (a bad one is reported, the others
    /// created, as Trove does).
    struct PrepareContents: Sendable {
        var overrides: Result<[ConfigurationOverride], DB2Error>
        var databases: [JSONValue]
        var users: [JSONValue]
    }
}
