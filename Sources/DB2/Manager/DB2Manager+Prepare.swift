import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

extension DB2Manager {
    /// The instance-level part of Trove's `prepare` (`do_prepare`, then the overrides and a restart): format and
    /// mount the volume (when `volume_support` is on and a device is given), record the host name
    /// (`db2set -g DB2SYSTEM=<hostname>`), give the mount point to the owner, start DB2, set up the archive log
    /// directory under `DB2OnlineBackup`, save `config_contents`, apply the overrides and restart.
    ///
    /// Creating databases and users is a separate step (``createDatabases(_:)``, ``createUsers(_:)``).
    ///
    /// - Throws: ``DB2Error`` naming the step that failed; `.invalidRequest`, before anything runs, for a
    ///   `mount_point` that is relative, not normalised or a system directory (``VolumePaths``).
    public func prepare(_ request: PrepareRequest) async throws(DB2Error) {
        let mountPoint = request.mountPoint ?? configuration.mountPoint
        try VolumePaths.checkMountPoint(mountPoint, step: "prepare")
        try await exclusive { () throws(DB2Error) in
            if configuration.volumeSupport, let device = request.devicePath, !device.isEmpty {
                try await prepareVolume(device: device, mountPoint: mountPoint)
            } else {
                logger.info("no volume to prepare", metadata: ["volume.support": "\(configuration.volumeSupport)"])
            }
            try await updateHostname(request.hostname ?? Self.hostname())
            try await ensureOwnedDirectory(mountPoint, mode: 0o755, step: "change the owner of the mount point")
            try await startInstance()
            if configuration.backupStrategy == .online { try await ensureArchiveDirectory() }
            if let contents = request.configContents, !contents.isEmpty {
                try await writeFile(configuration.configurationFile, contents, step: "save the configuration")
            }
            if !request.overrides.isEmpty {
                try await captureDefaultConfiguration()
                var stored = try await readStoredOverrides()
                try await applyToInstance(request.overrides) { stored[$0.parameter] = $0.value }
                try await storeOverrides(stored)
                try await stopInstance(disableAutostart: false)
                try await startInstance()
            }
        }
    }

    /// `db2set -g DB2SYSTEM=<hostname>` with the DB2 environment, as the agent (the global registry needs root).
    func updateHostname(_ hostname: String) async throws(DB2Error) {
        guard !hostname.isEmpty, hostname.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
        else { throw .invalid("host name \"\(hostname)\" is not a valid host name", step: "update the host name") }
        let outcome = try await executor.tool(
            "db2set", ["-g", "DB2SYSTEM=\(hostname)"], step: "db2set DB2SYSTEM", timeout: configuration.commandTimeout,
            asAgent: true)
        guard outcome.exitCode == 0 else {
            throw DB2Error(.commandFailed, step: "update the host name (db2set -g DB2SYSTEM)", detail: outcome.combinedOutput.excerpt)
        }
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Agent start-up: the CLP script directories of agents that ended without cleaning up are removed; under
    /// `DB2OnlineBackup`, when the instance runs, every database is checked and repaired (``ensureRecoverable()``).
    /// Problems are logged, not thrown: the agent serves anyway.
    public func startUp() async {
        do {
            let removed = try await executor.removeStaleScratchDirectories()
            logger.info("CLP script directories of ended agents removed", metadata: ["db2.removed": "\(removed)"])
        } catch {
            logger.warning("stale CLP script directories not removed", metadata: ["error": "\(error)"])
        }
        guard configuration.backupStrategy == .online else { return }
        guard await status() == .running else {
            logger.info("DB2 is not running; archive logging is checked when it is")
            return
        }
        do {
            let report = try await ensureRecoverable()
            logger.info("archive logging checked", metadata: ["db2.report": "\(report)"])
        } catch {
            logger.error("archive logging could not be repaired", metadata: ["error": "\(error)"])
        }
    }

    /// Agent end: removes the directory of CLP scripts (``DB2Executor/removeScratchDirectory()``).
    public nonisolated func shutDown() async {
        await executor.removeScratchDirectory()
    }
}
