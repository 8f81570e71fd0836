import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

extension DB2Manager {
    /// `mount_volume`: `mount -t <fstype> -o <mount_options> <device> <mount_point>` (the mount point is created).
    public func mountVolume(device: String, at mountPoint: String) async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in try await mount(device: device, at: mountPoint) }
    }

    /// `unmount_volume`: `umount <mount_point>`, when something is mounted there (Trove's `VolumeDevice.unmount`
    /// checks first and does nothing otherwise).
    public func unmountVolume(device: String, at mountPoint: String) async throws(DB2Error) {
        try Self.checkPaths(device: device, mountPoint: mountPoint, step: "unmount_volume")
        try await exclusive { () throws(DB2Error) in
            guard await Self.isMountPoint(mountPoint) else {
                logger.info("nothing mounted: not unmounted", metadata: ["volume.mount_point": "\(mountPoint)"])
                return
            }
            try await runVolumeTool("umount", [mountPoint], step: "umount", timeout: configuration.commandTimeout)
        }
    }

    /// `resize_fs`: `e2fsck -f -p` when the device is not mounted, then `resize2fs <device>`.
    public func resizeFileSystem(device: String, at mountPoint: String) async throws(DB2Error) {
        try Self.checkPaths(device: device, mountPoint: mountPoint, step: "resize_fs")
        try await exclusive { () throws(DB2Error) in
            if await Self.mountPoints(of: device).isEmpty {
                try await runVolumeTool("e2fsck", ["-f", "-p", device], step: "e2fsck", timeout: configuration.longCommandTimeout)
            }
            try await runVolumeTool("resize2fs", [device], step: "resize2fs", timeout: configuration.longCommandTimeout)
        }
    }

    /// Prepare's volume step: unmount the device wherever it is mounted, format it, copy what the mount point
    /// holds onto it (through a temporary mount), and mount it at the mount point.
    func prepareVolume(device: String, mountPoint: String) async throws(DB2Error) {
        try Self.checkPaths(device: device, mountPoint: mountPoint, step: "prepare the volume")
        try await waitForDevice(device)
        for mounted in await Self.mountPoints(of: device) {
            try await runVolumeTool("umount", [mounted], step: "umount", timeout: configuration.commandTimeout)
        }
        let volume = configuration.volume
        let options = volume.formatOptions.split(separator: " ").map(String.init)
        try await runVolumeTool(
            "mkfs", ["-t", volume.fileSystemType] + options + [device], step: "mkfs", timeout: volume.formatTimeout)
        let hasContents = await BlockingThreadPool.shared.run {
            !((try? FileManager.default.contentsOfDirectory(atPath: mountPoint)) ?? []).isEmpty
        }
        if hasContents {
            let temporary = "/mnt/volume"
            try await mount(device: device, at: temporary)
            do throws(DB2Error) {
                try await runVolumeTool("cp", ["-a", "\(mountPoint)/.", "\(temporary)/"], step: "copy the data onto the volume", timeout: configuration.longCommandTimeout)
            } catch {
                try? await runVolumeTool("umount", [temporary], step: "umount", timeout: configuration.commandTimeout)
                throw error
            }
            try await runVolumeTool("umount", [temporary], step: "umount", timeout: configuration.commandTimeout)
        }
        try await mount(device: device, at: mountPoint)
        logger.info("volume formatted and mounted", metadata: ["volume.device": "\(device)", "volume.mount_point": "\(mountPoint)"])
    }

    func mount(device: String, at mountPoint: String) async throws(DB2Error) {
        try Self.checkPaths(device: device, mountPoint: mountPoint, step: "mount_volume")
        // Created without following a link the instance owner could have put on the way (``DirectoryHandle``).
        let created: Result<Void, PathFailure> = await BlockingThreadPool.shared.run {
            Result { () throws(PathFailure) in _ = try DirectoryHandle.open(mountPoint, creatingMissing: 0o755) }
        }
        if case .failure(let failure) = created { throw DB2Error(.volumeFailed, step: "mount", detail: failure.description) }
        let volume = configuration.volume
        try await runVolumeTool(
            "mount", ["-t", volume.fileSystemType, "-o", volume.mountOptions, device, mountPoint], step: "mount",
            timeout: configuration.commandTimeout)
    }

    func waitForDevice(_ device: String) async throws(DB2Error) {
        for attempt in 1...max(1, configuration.volume.deviceCheckTries) {
            if await BlockingThreadPool.shared.run({ FileManager.default.fileExists(atPath: device) }) { return }
            if attempt < configuration.volume.deviceCheckTries { try? await Task.sleep(for: .seconds(1)) }
        }
        throw DB2Error(.volumeFailed, step: "find the volume", detail: "device \(device) does not exist")
    }

    /// Whether a file system is mounted at `path`, from `/proc/mounts`.
    static func isMountPoint(_ path: String) async -> Bool {
        let wanted = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        return await BlockingThreadPool.shared.run {
            guard let text = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return false }
            return text.split(separator: "\n").contains { line in
                let fields = line.split(separator: " ")
                return fields.count > 1 && String(fields[1]).replacing("\\040", with: " ") == wanted
            }
        }
    }

    /// Where `device` is mounted, from `/proc/mounts`.
    static func mountPoints(of device: String) async -> [String] {
        await BlockingThreadPool.shared.run {
            guard let text = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { line in
                let fields = line.split(separator: " ")
                guard fields.count > 1, fields[0] == device else { return nil }
                return String(fields[1]).replacing("\\040", with: " ")
            }
        }
    }

    /// See ``VolumePaths``.
    static func checkPaths(device: String, mountPoint: String, step: String) throws(DB2Error) {
        try VolumePaths.checkDevice(device, step: step)
        try VolumePaths.checkMountPoint(mountPoint, step: step)
    }

    func runVolumeTool(_ name: String, _ arguments: [String], step: String, timeout: Duration) async throws(DB2Error) {
        let outcome = try await runner.run(
            ProcessRequest(
                executable: try SystemTool.path(name, step: step), arguments: arguments,
                environment: SystemTool.environment, timeout: timeout, step: step))
        guard outcome.exitCode == 0 else {
            throw DB2Error(
                .volumeFailed, step: step,
                detail: "\(([name] + arguments).joined(separator: " ")) exited \(outcome.exitCode.map(String.init) ?? "by signal"): \(outcome.combinedOutput.excerpt)")
        }
    }
}
