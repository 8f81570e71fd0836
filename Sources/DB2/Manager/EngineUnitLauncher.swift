#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Starts the DB2 engine (`db2start`) in a transient systemd unit of its own when the agent itself runs as a
/// systemd service, so that the engine is not in the agent's cgroup: restarting or stopping the agent (its unit
/// has `KillMode=mixed`) must never kill DB2, and the agent's sandboxing must not apply to DB2.
///
/// The unit (`trove-db2-engine-<owner>-<random>`) is a oneshot with `RemainAfterExit=yes` and `KillMode=none`: it
/// stays active while the engine processes db2start left behind run, and stopping it never kills them (`db2stop`
/// is how DB2 stops). Its output goes to a file the agent reads afterwards, because piping it would tie the
/// agent's pipe to the engine's lifetime.
public struct EngineUnitLauncher: Sendable {
    public let systemdRun: String
    public let systemctl: String
    /// Where db2start's output is written: a directory both the agent and the transient unit see, and that only
    /// root can change (`state_dir`), because systemd opens the file as root and follows links.
    public let outputDirectory: String

    /// The launcher when the agent runs under systemd (`$INVOCATION_ID` set, systemd is PID 1's init, and
    /// `systemd-run` exists), else nil: db2start then runs as an ordinary child.
    public static func detect(
        environment: [String: String] = ProcessInfo.processInfo.environment, outputDirectory: String
    ) -> EngineUnitLauncher? {
        guard environment["INVOCATION_ID"] != nil, FileManager.default.fileExists(atPath: "/run/systemd/system")
        else { return nil }
        for directory in ["/usr/bin", "/bin"] {
            let run = "\(directory)/systemd-run"
            let control = "\(directory)/systemctl"
            if ExecutableFile.exists(at: run), ExecutableFile.exists(at: control) {
                return EngineUnitLauncher(systemdRun: run, systemctl: control, outputDirectory: outputDirectory)
            }
        }
        return nil
    }

    public init(systemdRun: String, systemctl: String, outputDirectory: String) {
        self.systemdRun = systemdRun
        self.systemctl = systemctl
        self.outputDirectory = outputDirectory
    }

    /// The units of this owner's engine (a glob for `systemctl`).
    public func unitPattern(owner: String) -> String { "trove-db2-engine-\(owner)-*.service" }

    /// The `systemd-run` arguments that run `executable` as `owner` with `environment` in a new transient unit,
    /// writing its output to `outputFile`.
    public func arguments(
        unit: String, executable: String, arguments: [String], owner: OSAccount, environment: [String: String],
        outputFile: String
    ) -> [String] {
        var result = [
            "--quiet", "--collect", "--unit=\(unit)", "--description=DB2 engine of instance owner \(owner.name)",
            "--service-type=oneshot", "--property=RemainAfterExit=yes", "--property=KillMode=none",
            "--property=StandardOutput=truncate:\(outputFile)", "--property=StandardError=inherit",
            "--uid=\(owner.uid)", "--gid=\(owner.gid)", "--working-directory=\(owner.home)",
        ]
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { result.append("--setenv=\(key)=\(value)") }
        result.append("--")
        result.append(executable)
        result.append(contentsOf: arguments)
        return result
    }
}
