import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Subprocess
import Synchronization
import SystemPackage

/// Runs programs for the DB2 manager: argv only (no shell ever sees an untrusted string), as the agent or as another
/// account, each in a session of its own, with a time limit; standard output and error are read concurrently as
/// they arrive and kept up to a limit.
///
/// A program runs as another account through ``AccountSwitch`` (util-linux's `setpriv`), never by switching
/// credentials in the agent's child: there glibc can wait for ever for a thread the agent was creating at that
/// instant (see ``AccountSwitch`` for why).
///
/// On timeout or when the calling task is cancelled, the child's whole process group gets SIGTERM, then SIGKILL
/// two seconds later, and anything left in the group is killed before ``run(_:)`` returns: a `db2` front-end, its
/// shell wrapper and the tools they started all end.
public struct CommandRunner: Sendable {
    public let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// Runs `request` to its end.
    ///
    /// A non-zero exit is not an error here: the caller reads ``ProcessOutcome/termination``.
    ///
    /// - Throws: ``DB2Error`` `.timedOut` (the limit passed), `.cancelled` (the task was cancelled), `.environment`
    ///   (the program could not be started, or not as its account: `setpriv` missing or refused).
    public func run(_ request: ProcessRequest) async throws(DB2Error) -> ProcessOutcome {
        let started = ContinuousClock.now
        let group = SessionLeader()
        let command = try Self.command(for: request)
        logger.debug(
            "running", metadata: ["db2.step": "\(request.step)", "db2.command": "\(request.displayCommand)"])
        let outcome: Race = await withTaskGroup(of: Race.self) { tasks in
            tasks.addTask {
                do {
                    return .finished(.success(try await Self.spawn(request, command: command, group: group)))
                } catch { return .finished(.failure(error)) }
            }
            tasks.addTask {
                do {
                    try await Task.sleep(for: request.timeout)
                    return .timedOut
                } catch { return .sleepCancelled }
            }
            var timedOut = false
            var result: Result<Captured, any Error>?
            while let next = await tasks.next() {
                switch next {
                case .finished(let finished):
                    result = finished
                    tasks.cancelAll()
                case .timedOut:
                    timedOut = true
                    tasks.cancelAll()
                case .sleepCancelled:
                    break
                }
            }
            if timedOut { return .timedOut }
            return .finished(result ?? .failure(CancellationError()))
        }
        let cancelled = Task.isCancelled
        if let leader = group.pid.withLock({ $0 }), cancelled || outcome.isTimeout {
            // Whatever is left of the session (a tool that ignored SIGTERM, a grandchild) goes too.
            _ = kill(-leader, SIGKILL)
        }
        let elapsed = ContinuousClock.now - started
        switch outcome {
        case .timedOut:
            logger.warning(
                "command timed out; its process group was killed",
                metadata: ["db2.step": "\(request.step)", "db2.timeout": "\(request.timeout)"])
            throw DB2Error(.timedOut, step: request.step, detail: "no answer within \(request.timeout.formatted)")
        case .finished(.failure(let error)):
            if cancelled || error is CancellationError {
                throw DB2Error(.cancelled, step: request.step, detail: "cancelled; its process group was killed")
            }
            throw DB2Error(.environment, step: request.step, detail: "cannot run \(request.executable): \(error)")
        case .finished(.success(let captured)):
            if cancelled {
                throw DB2Error(.cancelled, step: request.step, detail: "cancelled; its process group was killed")
            }
            if case .account(let account) = request.identity, case .exited(let code) = captured.termination,
                let complaint = AccountSwitch.failure(exitCode: code, standardError: captured.error.text)
            {
                throw DB2Error(
                    .environment, step: request.step,
                    detail: "cannot run \(request.executable) as \(account.name): \(complaint)")
            }
            let result = ProcessOutcome(
                termination: captured.termination, standardOutput: captured.output.text,
                standardError: captured.error.text, truncated: captured.output.truncated || captured.error.truncated,
                duration: elapsed)
            logger.debug(
                "finished",
                metadata: [
                    "db2.step": "\(request.step)", "db2.termination": "\(result.termination)",
                    "db2.seconds": "\(elapsed.formatted)",
                ])
            return result
        case .sleepCancelled:
            throw DB2Error(.cancelled, step: request.step)
        }
    }

    private enum Race: Sendable {
        case finished(Result<Captured, any Error>)
        case timedOut
        case sleepCancelled

        var isTimeout: Bool {
            if case .timedOut = self { return true }
            return false
        }
    }

    private struct Captured: Sendable {
        var termination: ProcessOutcome.Termination
        var output: StreamCapture
        var error: StreamCapture
    }

    /// The program and arguments to start for `request`: its own, or, for another account, `setpriv`'s that run
    /// them as that account.
    ///
    /// - Throws: ``DB2Error`` `.environment` when the request is for another account and `setpriv` is missing, or
    ///   the program is not named by an absolute path (`setpriv` would search `PATH` for it).
    static func command(for request: ProcessRequest) throws(DB2Error) -> (executable: String, arguments: [String]) {
        guard case .account(let account) = request.identity else { return (request.executable, request.arguments) }
        guard request.executable.hasPrefix("/") else {
            throw DB2Error(.environment, step: request.step, detail: "\(request.executable) is not an absolute path")
        }
        guard let accountSwitch = AccountSwitch.installed else {
            throw DB2Error(
                .environment, step: request.step,
                detail: "cannot run \(request.executable) as \(account.name): util-linux's setpriv is not installed "
                    + "(looked for \(AccountSwitch.candidates.joined(separator: ", ")))")
        }
        return accountSwitch.command(request.executable, request.arguments, as: account)
    }

    /// Starts `command` for `request`. Never with credentials to set in the child (see ``AccountSwitch``): the
    /// platform options hold only the session.
    private static func spawn(
        _ request: ProcessRequest, command: (executable: String, arguments: [String]), group: SessionLeader
    ) async throws -> Captured {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [
            .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: .seconds(2)),
            .send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(2)),
        ]
        let environment = request.environment.sorted { $0.key < $1.key }.map { Array("\($0.key)=\($0.value)\0".utf8) }
        let limit = request.outputLimit
        let input = request.input
        let result = try await Subprocess.run(
            .path(FilePath(command.executable)), arguments: Arguments(command.arguments),
            environment: .custom(environment), workingDirectory: request.workingDirectory.map { FilePath($0) },
            platformOptions: options, input: .inputWriter, output: .sequence, error: .sequence
        ) { execution in
            group.pid.withLock { $0 = execution.processIdentifier.value }
            return await withTaskGroup(of: (Int, StreamCapture).self) { readers in
                readers.addTask { (1, await StreamCapture.drain(execution.standardOutput, limit: limit)) }
                readers.addTask { (2, await StreamCapture.drain(execution.standardError, limit: limit)) }
                let writer = execution.standardInputWriter
                if let input {
                    // A child that exits without reading its input closes the pipe: that is its business.
                    _ = try? await writer.write(input.revealed)
                }
                try? await writer.finish()
                var output = StreamCapture()
                var error = StreamCapture()
                for await (stream, capture) in readers {
                    if stream == 1 { output = capture } else { error = capture }
                }
                return (output, error)
            }
        }
        let termination: ProcessOutcome.Termination =
            switch result.terminationStatus {
            case .exited(let code): .exited(code)
            case .signaled(let signal): .signaled(signal)
            }
        return Captured(termination: termination, output: result.closureResult.0, error: result.closureResult.1)
    }
}

/// The pid of the child, which leads its own session and process group; set once the child runs.
final class SessionLeader: Sendable {
    let pid = Mutex<pid_t?>(nil)
}

/// What one output stream printed, up to a limit.
struct StreamCapture: Sendable {
    var bytes: [UInt8] = []
    var truncated = false

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Reads `stream` to its end (or until reading fails, e.g. when the child was killed), keeping `limit` bytes.
    static func drain(_ stream: SubprocessOutputSequence, limit: Int) async -> StreamCapture {
        var capture = StreamCapture()
        do {
            for try await buffer in stream {
                buffer.withUnsafeBytes { raw in
                    let room = limit - capture.bytes.count
                    if raw.count > room { capture.truncated = true }
                    if room > 0 { capture.bytes.append(contentsOf: raw.prefix(room)) }
                }
            }
        } catch {
            // The stream ends early when the process is torn down; what was read is kept.
        }
        return capture
    }
}

extension Duration {
    /// Seconds with up to three decimals, e.g. `1.5 s`.
    var formatted: String {
        let parts = components
        let seconds = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
        return "\((seconds * 1000).rounded() / 1000) s"
    }
}
