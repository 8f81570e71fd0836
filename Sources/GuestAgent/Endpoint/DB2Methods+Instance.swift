import AgentSupport
import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC

extension DB2Methods {
    // MARK: - Lifecycle

    var lifecycleMethods: [GuestMethod] {
        [
            GuestMethod("restart") { _, args in
                try args.allowOnly([])
                return {
                    // Trove's begin_restart / end_restart: no periodic heartbeat in between (it would report the
                    // instance down), then the real status, whether the restart worked or not.
                    await conductor.pausePeriodicHeartbeats()
                    do {
                        try await Self.db2 { () throws(DB2Error) in try await manager.restart() }
                    } catch {
                        await conductor.resumePeriodicHeartbeats()
                        await conductor.reportStatus(ServiceStatus(await manager.status()))
                        throw error
                    }
                    await conductor.resumePeriodicHeartbeats()
                    await conductor.reportStatus(ServiceStatus(await manager.status()))
                    return .null
                }
            },
            GuestMethod("stop_db") { _, args in
                try args.allowOnly(["do_not_start_on_reboot"])
                let disable = try args.bool("do_not_start_on_reboot", default: false)
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.stop(disableAutostart: disable) }
                    return .null
                }
            },
            GuestMethod("start_db_with_conf_changes") { _, args in
                try args.allowOnly(["config_contents"])
                let contents = try args.optionalString("config_contents")
                return {
                    try await Self.db2 { () throws(DB2Error) in
                        if let contents { try await manager.saveConfiguration(contents) }
                        try await manager.start()
                    }
                    await conductor.reportStatus(ServiceStatus(await manager.status()))
                    return .null
                }
            },
            GuestMethod("pre_upgrade", lane: .prompt) { _, args in
                try args.allowOnly([])
                return { [:] }
            },
            GuestMethod("post_upgrade") { _, args in
                try args.allowOnly(["upgrade_info"])
                return { .null }
            },
        ]
    }

    // MARK: - Configuration

    var configurationMethods: [GuestMethod] {
        [
            GuestMethod("reset_configuration") { _, args in
                try args.allowOnly(["configuration"])
                let configuration = try args.object("configuration")
                let value = configuration["config_contents"] ?? .null
                guard value.isNull || value.stringValue != nil else {
                    throw RemoteError.builtin(
                        "TypeError",
                        "reset_configuration() argument 'configuration': 'config_contents' must be a string, "
                            + "not \(value.typeName)")
                }
                let contents = value.stringValue ?? ""
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.saveConfiguration(contents) }
                    return .null
                }
            },
            GuestMethod("update_overrides") { _, args in
                try args.allowOnly(["overrides", "remove"])
                let values = try args.optionalObject("overrides") ?? [:]
                let remove = try args.bool("remove", default: false)
                let overrides = try Self.reading { () throws(DB2Error) in try DB2TroveModels.overrides(values) }
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.updateOverrides(overrides, remove: remove) }
                    return .null
                }
            },
            GuestMethod("apply_overrides") { _, args in
                try args.allowOnly(["overrides"])
                let values = try args.optionalObject("overrides") ?? [:]
                let overrides = try Self.reading { () throws(DB2Error) in try DB2TroveModels.overrides(values) }
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.applyOverrides(overrides) }
                    return .null
                }
            },
        ]
    }

    // MARK: - Volumes

    var volumeMethods: [GuestMethod] {
        let configuration = manager.configuration
        @Sendable func paths(_ args: RPCArguments) throws -> (String, String) {
            (
                try args.optionalString("device_path") ?? "", try args.optionalString("mount_point") ?? configuration.mountPoint
            )
        }
        return [
            GuestMethod("mount_volume") { _, args in
                try args.allowOnly(["device_path", "mount_point", "write_to_fstab"])
                let (device, mountPoint) = try paths(args)
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.mountVolume(device: device, at: mountPoint) }
                    return .null
                }
            },
            GuestMethod("unmount_volume") { _, args in
                try args.allowOnly(["device_path", "mount_point"])
                let (device, mountPoint) = try paths(args)
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.unmountVolume(device: device, at: mountPoint) }
                    return .null
                }
            },
            GuestMethod("resize_fs") { _, args in
                try args.allowOnly(["device_path", "mount_point"])
                let (device, mountPoint) = try paths(args)
                return {
                    try await Self.db2 { () throws(DB2Error) in
                        try await manager.resizeFileSystem(device: device, at: mountPoint)
                    }
                    return .null
                }
            },
        ]
    }
}
