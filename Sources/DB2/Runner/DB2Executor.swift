import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Synchronization

/// Runs DB2's tools for one instance: as the instance owner (directly when the agent already is the owner), with
/// the environment the owner's `sqllib/db2profile` sets, each command as an argument vector.
///
/// The DB2 environment is read once by sourcing the profile in a fixed script, the profile's path passed as an
/// argument: `/bin/sh -c '. "$1" >/dev/null 2>&1; exec env -0' sh <profile>`.
///
/// CLP statements run through ``clp(_:step:database:timeout:)``: each call writes its statements to a script file
/// and runs one `db2 -tvs -f <file>` under its own `sh` (a fixed wrapper that ends with `db2 terminate`). The CLP
/// back-end process belongs to the front-end's parent, so every call gets a back-end and a connection of its own:
/// concurrent jobs never share a `CONNECT`, and a statement that needs a connection runs in the same invocation as
/// its `CONNECT TO`.
public final class DB2Executor: Sendable {
    /// Who runs the tools.
    public let owner: OSAccount
    /// The identity DB2 commands run with: `.agent` when the agent is the owner, else the owner's account.
    public let identity: ProcessRequest.Identity
    public let profilePath: String
    public let runner: CommandRunner
    /// Output kept per stream and command.
    public let outputLimit: Int
    private let cachedEnvironment = Mutex<[String: String]?>(nil)
    /// Where the CLP scripts go: made on first use, removed by ``removeScratchDirectory()``.
    private let scratch = Mutex<ScratchDirectory?>(nil)
    /// `$TMPDIR` (or `/tmp`), read once.
    private let temporaryDirectory: String
    private let logger: Logger

    /// The wrapper every CLP job runs in: its own shell (so its own CLP back-end), the statements from the file
    /// named by `$1`, stopping at the first error, then `db2 terminate` to end the back-end; exits with db2's code.
    static let clpWrapper = "db2 -tvs -f \"$1\"; rc=$?; db2 terminate >/dev/null 2>&1; exit $rc"
    /// Sources the profile named by `$1` and prints the environment, NUL-separated.
    static let profileReader = ". \"$1\" >/dev/null 2>&1; exec env -0"

    /// - Throws: ``DB2Error`` `.environment` when the owner account does not exist, or the agent is neither root
    ///   nor the owner (it could not run the tools as the owner).
    public init(ownerName: String, profilePath: String, runner: CommandRunner, outputLimit: Int = 4 << 20, logger: Logger)
        throws(DB2Error)
    {
        guard let owner = OSAccount.lookup(ownerName) else {
            throw DB2Error(
                .environment, step: "look up the instance owner",
                detail: "no OS account named \"\(ownerName)\" ([db2] instance_owner)")
        }
        self.owner = owner
        if geteuid() == owner.uid {
            identity = .agent
        } else if geteuid() == 0 {
            identity = .account(owner)
        } else {
            throw DB2Error(
                .environment, step: "look up the instance owner",
                detail: "the agent runs as uid \(geteuid()): it must run as root or as the instance owner \(ownerName)")
        }
        self.profilePath = profilePath
        temporaryDirectory = FileManager.default.temporaryDirectory.path
        self.runner = runner
        self.outputLimit = outputLimit
        self.logger = logger
    }

    /// The DB2 environment of the instance (read once; a failure is not cached, so a later call retries).
    ///
    /// - Throws: ``DB2Error`` `.environment` when the profile is missing or does not set `DB2INSTANCE`.
    public func environment() async throws(DB2Error) -> [String: String] {
        if let cached = cachedEnvironment.withLock({ $0 }) { return cached }
        let step = "read the DB2 environment"
        guard FileManager.default.fileExists(atPath: profilePath) else {
            throw DB2Error(.environment, step: step, detail: "\(profilePath) does not exist (is DB2 installed?)")
        }
        let base = [
            "HOME": owner.home, "USER": owner.name, "LOGNAME": owner.name, "LANG": "C",
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
        ]
        let outcome = try await runner.run(
            ProcessRequest(
                executable: "/bin/sh", arguments: ["-c", Self.profileReader, "sh", profilePath], environment: base,
                identity: identity, timeout: .seconds(60), outputLimit: 1 << 20, step: step))
        var environment: [String: String] = [:]
        for entry in outcome.standardOutput.split(separator: "\0") {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            environment[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        guard outcome.exitCode == 0, environment["DB2INSTANCE"] != nil else {
            throw DB2Error(
                .environment, step: step,
                detail: "sourcing \(profilePath) did not set DB2INSTANCE: \(outcome.combinedOutput.excerpt)")
        }
        environment["PWD"] = nil
        environment["SHLVL"] = nil
        environment["_"] = nil
        // The CLP reads its default options from DB2OPTIONS (IBM, *Command line processor options*), which the owner's
        // profile (or sqllib/userprofile) may set: `+o` would silence the messages the agent judges, `-x` drop the
        // headings its table parser needs, `-a` add an SQLCA dump. The agent's jobs state every option they need.
        if let options = environment.removeValue(forKey: "DB2OPTIONS") {
            logger.notice("DB2OPTIONS of the instance owner's profile is not applied to the agent's DB2 commands",
                metadata: ["db2.options": "\(options)"])
        }
        let captured = environment
        cachedEnvironment.withLock { $0 = captured }
        return captured
    }

    /// The absolute path of a DB2 tool (`db2start`, `db2set`, `db2ckbkp`...) on the DB2 environment's PATH.
    ///
    /// - Throws: ``DB2Error`` `.environment` when no directory of PATH has it.
    public func toolPath(_ name: String) async throws(DB2Error) -> String {
        let path = try await environment()["PATH"] ?? ""
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(name)"
            if ExecutableFile.exists(at: candidate) { return candidate }
        }
        throw DB2Error(.environment, step: name, detail: "\(name) is not on the DB2 PATH (\(path))")
    }

    /// Runs a DB2 tool with the DB2 environment, as the owner unless `asAgent`.
    ///
    /// - Throws: ``DB2Error`` `.timedOut`, `.cancelled`, `.environment`. A non-zero exit is returned, not thrown.
    public func tool(
        _ name: String, _ arguments: [String], step: String, timeout: Duration, asAgent: Bool = false
    ) async throws(DB2Error) -> ProcessOutcome {
        let executable = try await toolPath(name)
        return try await runner.run(
            ProcessRequest(
                executable: executable, arguments: arguments, environment: try await environment(),
                identity: asAgent ? .agent : identity, timeout: timeout, outputLimit: outputLimit,
                workingDirectory: owner.home, step: step))
    }

    /// Runs `statements` (CLP commands or SQL, one line each, without the `;`) in one CLP invocation with its own
    /// back-end, stopping at the first error, and returns each statement's outcome.
    ///
    /// - Throws: ``DB2Error`` `.timedOut`, `.cancelled`, `.environment`, `.fileSystem` (the script could not be
    ///   written). Statement failures are in the transcript: see ``CLPTranscript/check(step:database:tolerating:)``.
    public func clp(_ statements: [String], step: String, database: String? = nil, timeout: Duration)
        async throws(DB2Error) -> CLPTranscript
    {
        precondition(statements.allSatisfy { !$0.contains("\n") && !$0.contains(";") }, "one statement per line")
        let environment = try await environment()
        let (scratch, scriptName) = try await writeScript(
            statements.map { $0 + ";" }.joined(separator: "\n") + "\n", step: step)
        let script = "\(scratch.path)/\(scriptName)"
        let outcome: ProcessOutcome
        do {
            outcome = try await runner.run(
                ProcessRequest(
                    executable: "/bin/sh", arguments: ["-c", Self.clpWrapper, "sh", script], environment: environment,
                    identity: identity, timeout: timeout, outputLimit: outputLimit, workingDirectory: owner.home,
                    step: step))
        } catch {
            await BlockingThreadPool.shared.run { try? scratch.directory.removeFile(scriptName) }
            throw error
        }
        await BlockingThreadPool.shared.run { try? scratch.directory.removeFile(scriptName) }
        let code: CLPReturnCode
        switch outcome.termination {
        case .exited(let value): code = CLPReturnCode(rawValue: value)
        case .signaled(let signal):
            throw DB2Error(
                .commandFailed, step: step, database: database,
                detail: "db2 ended by signal \(signal): \(outcome.combinedOutput.excerpt)")
        }
        let transcript = CLPTranscript(statements: statements, output: outcome.standardOutput, returnCode: code)
        if !outcome.standardError.isEmpty {
            logger.debug("db2 wrote to stderr", metadata: ["db2.step": "\(step)", "db2.stderr": "\(outcome.standardError.excerpt)"])
        }
        return transcript
    }

    /// Runs `statements` and throws for the first failure (messages in `tolerating` excepted).
    ///
    /// - Throws: ``DB2Error`` typed by the failing statement's message, or as ``clp(_:step:database:timeout:)``.
    @discardableResult
    public func clpChecked(
        _ statements: [String], step: String, database: String? = nil, timeout: Duration,
        tolerating: Set<String> = []
    ) async throws(DB2Error) -> CLPTranscript {
        let transcript = try await clp(statements, step: step, database: database, timeout: timeout)
        try transcript.check(step: step, database: database, tolerating: tolerating)
        return transcript
    }

    /// Writes a script file the owner can read (mode 0600, the owner's), in the agent's scratch directory (made on
    /// first use; see ``ScratchDirectory``); returns the directory and the file's name in it.
    private func writeScript(_ text: String, step: String) async throws(DB2Error) -> (ScratchDirectory, String) {
        let owner = self.owner
        let chown = identity != .agent
        let temporary = temporaryDirectory
        let result: Result<(ScratchDirectory, String), PathFailure> = await BlockingThreadPool.shared.run {
            Result { () throws(PathFailure) -> (ScratchDirectory, String) in
                let directory = try self.scratch.withLock { (current: inout ScratchDirectory?) throws(PathFailure) in
                    if let current { return current }
                    let made = try ScratchDirectory.create(in: temporary, group: chown ? owner.gid : nil)
                    current = made
                    return made
                }
                let name = "job-\(RandomIdentifier.hex128().prefix(12)).clp"
                try directory.directory.writeNewFile(
                    name, contents: Array(text.utf8), mode: 0o600, uid: chown ? owner.uid : nil,
                    gid: chown ? owner.gid : nil)
                return (directory, name)
            }
        }
        do { return try result.get() } catch {
            throw DB2Error(.fileSystem, step: step, detail: "cannot write the CLP script: \(error)")
        }
    }

    /// Removes the scratch directory of CLP scripts (at the agent's end; a later CLP job makes a new one).
    public func removeScratchDirectory() async {
        await BlockingThreadPool.shared.run {
            self.scratch.withLock { current in
                current?.remove()
                current = nil
            }
        }
    }

    /// Removes the scratch directories that agents of this user left in `$TMPDIR` when they ended without
    /// cleaning up (killed, crashed); a live agent's is kept. Returns the paths removed.
    ///
    /// - Throws: ``DB2Error`` `.fileSystem` when `$TMPDIR` cannot be read.
    public func removeStaleScratchDirectories() async throws(DB2Error) -> [String] {
        let temporary = temporaryDirectory
        let result: Result<[String], PathFailure> = await BlockingThreadPool.shared.run {
            Result { () throws(PathFailure) in try ScratchDirectory.removeStale(in: temporary) }
        }
        do { return try result.get() } catch {
            throw DB2Error(.fileSystem, step: "remove stale CLP script directories", detail: "\(error)")
        }
    }
}
