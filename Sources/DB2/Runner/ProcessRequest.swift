import AgentSupport

/// A program to run: an absolute path and an argument vector (never a string for a shell), the user and
/// environment, a time limit and how much output to keep.
public struct ProcessRequest: Sendable {
    /// Which user the program runs as.
    public enum Identity: Sendable, Equatable {
        /// The agent's own user.
        case agent
        /// Another account (needs root): its uid, gid and supplementary groups, set by `setpriv` (``AccountSwitch``).
        case account(OSAccount)
    }

    /// Absolute path of the program.
    public var executable: String
    public var arguments: [String]
    /// The complete environment of the child (nothing is inherited).
    public var environment: [String: String]
    public var identity: Identity
    /// Bytes written to standard input, then closed (e.g. `user:password` for chpasswd). Never logged.
    public var input: Secret<[UInt8]>?
    public var timeout: Duration
    /// Output kept per stream; the rest is read and dropped (``ProcessOutcome/truncated``).
    public var outputLimit: Int
    public var workingDirectory: String?
    /// What the program does, for errors and logs (e.g. `useradd`, `BACKUP DATABASE`).
    public var step: String

    public init(
        executable: String, arguments: [String], environment: [String: String], identity: Identity = .agent,
        input: Secret<[UInt8]>? = nil, timeout: Duration, outputLimit: Int = 4 << 20,
        workingDirectory: String? = nil, step: String
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.identity = identity
        self.input = input
        self.timeout = timeout
        self.outputLimit = outputLimit
        self.workingDirectory = workingDirectory
        self.step = step
    }

    /// How the command is shown in logs: the program's name and its arguments (which never hold secrets;
    /// secrets travel on standard input).
    public var displayCommand: String { ([executable] + arguments).joined(separator: " ") }
}

/// How a program ended and what it printed.
public struct ProcessOutcome: Sendable {
    /// How the process ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    public let termination: Termination
    public let standardOutput: String
    public let standardError: String
    /// True when a stream printed more than the request's output limit (the excess was dropped).
    public let truncated: Bool
    public let duration: Duration

    public init(
        termination: Termination, standardOutput: String, standardError: String, truncated: Bool, duration: Duration
    ) {
        self.termination = termination
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.truncated = truncated
        self.duration = duration
    }

    /// The exit code, or nil when a signal ended the process.
    public var exitCode: Int32? {
        if case .exited(let code) = termination { return code }
        return nil
    }

    /// Standard output and error, for error messages.
    public var combinedOutput: String {
        [standardOutput, standardError].filter { !$0.isEmpty }.joined(separator: "\n")
    }
}
