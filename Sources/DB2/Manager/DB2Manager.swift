import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// The agent's owner of the DB2 instance: its lifecycle, databases, users, configuration, archive logging, and
/// the DB2 side of backups and restores. One per agent.
///
/// State changes (creating or dropping databases and users, overrides, start/stop, offline backups, restores) run
/// one at a time, in arrival order. Read-only queries (``listDatabases(limit:marker:includeMarker:)``,
/// ``listUsers(limit:marker:includeMarker:)``, ``user(named:)``, ``access(of:)``, ``status()``) do not wait for
/// them: each runs its own CLP job with its own back-end, so a `list_databases` is answered while a long backup or
/// a hung command runs. Online backups do not take the lock either (DB2 lets the database serve meanwhile). The one
/// wait a read-only query has: one that connects to a database is held while an offline backup keeps the instance
/// quiesced (``ConnectionFence``).
///
/// Every DB2 command is an argument vector or a generated CLP script (see ``DB2Executor``); names are checked
/// against DB2's rules (``DatabaseName``, ``UserName``) before anything runs.
public actor DB2Manager {
    public nonisolated let configuration: DB2ManagerConfiguration
    public nonisolated let executor: DB2Executor
    let runner: CommandRunner
    let logger: Logger
    /// Under systemd, db2start runs in a transient unit of its own (see ``EngineUnitLauncher``).
    let engineLauncher: EngineUnitLauncher?
    private var gate = OperationGate()
    /// An offline backup of the agent's holds the instance quiesced (from before QUIESCE to after UNQUIESCE).
    var quiescedByBackup = false
    /// Keeps connecting read-only jobs out of an offline backup's quiesce window.
    private var connectionFence = ConnectionFence()

    /// How many of the agent's connecting read-only jobs wait for an offline backup's quiesce window to end.
    public var connectingJobsHeldByQuiesce: Int { connectionFence.heldCount }

    /// - Throws: ``DB2Error`` `.environment` when the instance owner does not exist or the agent may not act as it,
    ///   `.invalidRequest` when a configured path cannot be used in a CLP statement.
    public init(configuration: DB2ManagerConfiguration, logger: Logger) throws(DB2Error) {
        for (name, path) in [
            ("mount_point", configuration.mountPoint), ("instance_home", configuration.instanceHome),
        ] {
            guard path.hasPrefix("/"), !path.contains("'"), !path.contains("\n"), !path.contains(";"),
                !path.contains(" ")
            else {
                throw .invalid(
                    "[db2] \(name) \"\(path)\" must be an absolute path without blanks, quotes or semicolons",
                    step: "configure the DB2 manager")
            }
        }
        self.configuration = configuration
        self.logger = logger
        runner = CommandRunner(logger: logger)
        executor = try DB2Executor(
            ownerName: configuration.instanceOwner, profilePath: configuration.profilePath, runner: runner,
            logger: logger)
        // db2start's output file is opened by systemd as root, following links: it goes in `state_dir`, which is
        // root's alone, never in the owner's home where the owner could link it to /etc/shadow.
        engineLauncher = EngineUnitLauncher.detect(outputDirectory: configuration.stateDirectory)
    }

    /// Answers at once when the actor is free to run: the systemd watchdog's probe that the actor is not stuck.
    /// (Long operations wait on the state-change gate, never on the actor itself.)
    public func isResponsive() -> Bool { true }

    // MARK: - Serialisation

    /// Runs `body` holding the state-change lock (waiting for earlier state changes to finish).
    func exclusive<T: Sendable>(_ body: () async throws(DB2Error) -> T) async throws(DB2Error) -> T {
        if !gate.tryAcquire() {
            await withCheckedContinuation { gate.enqueue($0) }
        }
        defer { gate.release() }
        return try await body()
    }

    /// Runs a read-only job that connects to a database outside any offline backup's quiesce window (see
    /// ``ConnectionFence``): it waits while the window is open, and the backup waits for it before QUIESCE.
    nonisolated func connectingJob<T: Sendable>(_ body: () async throws(DB2Error) -> T) async throws(DB2Error) -> T {
        await enterConnectingJob()
        let result: Result<T, DB2Error>
        do throws(DB2Error) { result = .success(try await body()) } catch { result = .failure(error) }
        await leaveConnectingJob()
        return try result.get()
    }

    private func enterConnectingJob() async {
        if !connectionFence.tryEnter() {
            await withCheckedContinuation { connectionFence.hold($0) }
        }
    }

    private func leaveConnectingJob() { connectionFence.leave() }

    /// Closes the fence and waits until no connecting read-only job runs (before QUIESCE).
    func closeConnectionFence() async {
        if !connectionFence.close() {
            await withCheckedContinuation { connectionFence.awaitDrained($0) }
        }
    }

    /// Lets connecting read-only jobs run again (after UNQUIESCE, or when QUIESCE failed).
    func openConnectionFence() { connectionFence.open() }

    // MARK: - Status

    /// The instance's real state: `db2sysc` running for the owner, and the instance answering
    /// `GET SNAPSHOT FOR DATABASE MANAGER` (a monitor command that needs the started instance; `GET DBM CFG` would
    /// answer from the configuration file even while DB2 is stopped), whose `Database manager status` also tells a
    /// quiesced instance (the `db2_status` monitor element) that no offline backup of the agent's holds.
    public nonisolated func status() async -> InstanceStatus {
        let owner = configuration.instanceOwner
        let home = configuration.instanceHome
        let engineRuns = await BlockingThreadPool.shared.run {
            DB2EngineProbe.isEngineRunning(owner: owner, instanceHome: home)
        }
        guard engineRuns else { return .shutdown }
        do {
            let transcript = try await executor.clp(
                ["GET SNAPSHOT FOR DATABASE MANAGER"], step: "check the instance",
                timeout: min(configuration.commandTimeout, .seconds(30)))
            if transcript.statements.first?.succeeded == true {
                let state = Self.snapshotValue("Database manager status", in: transcript.output) ?? "Active"
                if state.lowercased().hasPrefix("quiesce"), !(await quiescedByBackup) {
                    logger.error(
                        "the instance is quiesced and no offline backup of the agent's holds it: applications are refused until UNQUIESCE INSTANCE",
                        metadata: ["db2.status": "\(state)"])
                    return .quiesced
                }
                return .running
            }
            logger.warning(
                "db2sysc runs but the instance does not answer",
                metadata: ["db2.output": "\(transcript.output.excerpt)"])
            return .crashed
        } catch {
            logger.warning("instance check failed", metadata: ["error": "\(error)"])
            return .crashed
        }
    }

    /// The value after `name ... =` in a snapshot's output.
    static func snapshotValue(_ name: String, in output: String) -> String? {
        for line in output.split(separator: "\n") where line.hasPrefix(name) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            return String(line[line.index(after: equals)...]).trimmingBlanks()
        }
        return nil
    }

    /// Waits until ``status()`` is `wanted`, checking every `stateChangePollTime` up to `stateChangeWaitTime`.
    ///
    /// - Throws: ``DB2Error`` `.timedOut` naming the state it waited for.
    func waitForStatus(_ wanted: InstanceStatus, step: String) async throws(DB2Error) {
        let deadline = ContinuousClock.now + configuration.stateChangeWaitTime
        while true {
            let current = await status()
            if current == wanted { return }
            if ContinuousClock.now >= deadline {
                throw DB2Error(
                    .timedOut, step: step,
                    detail: "the instance is \(current.rawValue), not \(wanted.rawValue), after \(configuration.stateChangeWaitTime.formatted)")
            }
            do { try await Task.sleep(for: configuration.stateChangePollTime) } catch {
                throw DB2Error(.cancelled, step: step)
            }
        }
    }

    // MARK: - Lifecycle

    /// Starts the instance (`db2start`) and waits until it answers. An instance already started is fine.
    ///
    /// - Throws: ``DB2Error`` when `db2start` fails or the instance does not come up in time.
    public func start() async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in try await startInstance() }
    }

    /// Stops the instance (`db2stop force`, which forces applications off) and waits until `db2sysc` is gone. A
    /// stopped instance is fine.
    ///
    /// - Parameter disableAutostart: Trove's `do_not_start_on_reboot` (`db2iauto -off`).
    /// - Throws: ``DB2Error`` when `db2stop` fails or the instance does not stop in time.
    public func stop(disableAutostart: Bool = false) async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in try await stopInstance(disableAutostart: disableAutostart) }
    }

    /// Stops and starts the instance.
    public func restart() async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in
            try await stopInstance(disableAutostart: false)
            try await startInstance()
        }
    }

    /// `db2start`, judged by the instance afterwards: a partial start (SQL5043N: a communication protocol of DB2COMM
    /// failed, the core engine started) exits non-zero while DB2 runs and serves local applications, so a failed
    /// `db2start` after which the instance answers is logged and counts as a start.
    func startInstance() async throws(DB2Error) {
        try await autostart(enable: true)
        do throws(DB2Error) {
            try await serverCommand("db2start", [], tolerating: "SQL1026")
        } catch {
            guard error.kind != .cancelled, error.kind != .timedOut, await status() == .running else { throw error }
            logger.warning(
                "db2start reported a failure, but the instance runs: taken as started",
                metadata: ["error": "\(error)"])
        }
        try await waitForStatus(.running, step: "start DB2")
        logger.info("DB2 instance started", metadata: ["db2.instance_owner": "\(configuration.instanceOwner)"])
    }

    func stopInstance(disableAutostart: Bool) async throws(DB2Error) {
        if disableAutostart { try await autostart(enable: false) }
        try await serverCommand("db2stop", ["force"], tolerating: "SQL1032")
        try await waitForStatus(.shutdown, step: "stop DB2")
        logger.info("DB2 instance stopped", metadata: ["db2.instance_owner": "\(configuration.instanceOwner)"])
    }

    /// Where `db2iauto` is: Trove's path (``DB2ManagerConfiguration/autostartTool``, the `/opt/ibm/db2/current` link
    /// some images make), else `instance/db2iauto` under the install the instance uses, which `db2level` names
    /// (`Product is installed at "/opt/ibm/db2/V11.5".`). Nil when neither exists.
    func autostartTool() async -> String? {
        let configured = configuration.autostartTool
        if await BlockingThreadPool.shared.run({ ExecutableFile.exists(at: configured) }) { return configured }
        guard let outcome = try? await executor.tool("db2level", [], step: "db2level", timeout: configuration.commandTimeout),
            outcome.exitCode == 0, let directory = Self.installDirectory(in: outcome.standardOutput)
        else { return nil }
        let tool = "\(directory)/instance/db2iauto"
        return await BlockingThreadPool.shared.run { ExecutableFile.exists(at: tool) } ? tool : nil
    }

    /// The directory of `Product is installed at "<directory>".` in db2level's output (an absolute path).
    public static func installDirectory(in output: String) -> String? {
        guard let range = output.firstRange(of: "Product is installed at \"") else { return nil }
        let path = output[range.upperBound...].prefix { $0 != "\"" && $0 != "\n" }
        guard path.hasPrefix("/"), !path.contains("/../"), !path.hasSuffix("/..") else { return nil }
        return String(path)
    }

    /// Runs `db2start` or `db2stop`; a failure whose message has code `tolerated` (already started/stopped) is fine.
    func serverCommand(_ tool: String, _ arguments: [String], tolerating tolerated: Substring) async throws(DB2Error) {
        let (exitCode, output): (Int32?, String)
        if tool == "db2start", let engineLauncher {
            (exitCode, output) = try await startInOwnUnit(tool, arguments, launcher: engineLauncher)
        } else {
            let outcome = try await executor.tool(tool, arguments, step: tool, timeout: configuration.longCommandTimeout)
            (exitCode, output) = (outcome.exitCode, outcome.combinedOutput)
        }
        if tool == "db2stop", let engineLauncher, exitCode == 0 { await tidyEngineUnits(launcher: engineLauncher) }
        let messages = DB2Message.parseAll(output)
        guard exitCode != 0, !messages.contains(where: { $0.code == tolerated }) else { return }
        if let error = messages.first(where: \.isError) { throw DB2Error.from(error, step: tool) }
        throw DB2Error(.commandFailed, step: tool, detail: output.excerpt)
    }

    /// Runs `tool` through `systemd-run` in a new transient unit; returns its exit code and output.
    private func startInOwnUnit(_ tool: String, _ arguments: [String], launcher: EngineUnitLauncher)
        async throws(DB2Error) -> (Int32?, String)
    {
        let executable = try await executor.toolPath(tool)
        let environment = try await executor.environment()
        let unit = "trove-db2-engine-\(executor.owner.name)-\(RandomIdentifier.hex128().prefix(8))"
        let outputName = ".trove-db2-agent-\(tool).out"
        let outputFile = "\(launcher.outputDirectory)/\(outputName)"
        let outcome = try await runner.run(
            ProcessRequest(
                executable: launcher.systemdRun,
                arguments: launcher.arguments(
                    unit: unit, executable: executable, arguments: arguments, owner: executor.owner,
                    environment: environment, outputFile: outputFile),
                environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"], identity: .agent,
                timeout: configuration.longCommandTimeout, step: "\(tool) (in unit \(unit))"))
        let directory = launcher.outputDirectory
        let output: String = await BlockingThreadPool.shared.run {
            guard let state = try? DirectoryHandle.open(directory) else { return "" }
            defer { try? state.removeFile(outputName) }
            return (try? state.readFile(outputName, limit: 1 << 20)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        logger.info("DB2 engine started in its own systemd unit", metadata: ["db2.unit": "\(unit)"])
        return (outcome.exitCode, output + outcome.combinedOutput)
    }

    /// After `db2stop`, the transient units of earlier `db2start`s hold no process: stop them (their
    /// `KillMode=none` means nothing is killed) so they do not pile up.
    private func tidyEngineUnits(launcher: EngineUnitLauncher) async {
        _ = try? await runner.run(
            ProcessRequest(
                executable: launcher.systemctl, arguments: ["stop", launcher.unitPattern(owner: executor.owner.name)],
                environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"], identity: .agent,
                timeout: configuration.commandTimeout, step: "stop finished DB2 engine units"))
    }

    /// `db2iauto -on|-off <instance>`, as Trove runs it. Without db2iauto the instance would not come back after a
    /// reboot (or would, against `do_not_start_on_reboot`): the log says so as a warning, and the start goes on.
    func autostart(enable: Bool) async throws(DB2Error) {
        guard let tool = await autostartTool() else {
            logger.warning(
                "db2iauto not found: DB2 autostart on boot cannot be \(enable ? "enabled" : "disabled")",
                metadata: ["db2.tool": "\(configuration.autostartTool)"])
            return
        }
        let environment = try await executor.environment()
        let instance = environment["DB2INSTANCE"] ?? configuration.instanceOwner
        let step = enable ? "enable DB2 on boot" : "disable DB2 on boot"
        let outcome = try await runner.run(
            ProcessRequest(
                executable: tool, arguments: [enable ? "-on" : "-off", instance], environment: environment,
                identity: executor.identity, timeout: configuration.commandTimeout, step: step))
        guard outcome.exitCode == 0 else {
            throw DB2Error(.commandFailed, step: step, detail: outcome.combinedOutput.excerpt)
        }
    }
}
