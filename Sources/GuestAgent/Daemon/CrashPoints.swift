#if canImport(Glibc)
import Glibc
#endif
import AgentSupport
import FoundationEssentials

/// Test hook: the agent kills itself with SIGKILL (as the OOM killer, `kill -9` or a power cut would end it) at a
/// named point of a long operation, so that a test can prove what the next start does with what was left there.
///
/// Off unless `TROVE_DB2_AGENT_TEST_HOOKS=1` is in the environment (never set by the unit or by Trove); the point
/// is named by `TROVE_DB2_AGENT_CRASH_AT`, e.g. `backup:stored` (see ``BackupState`` for a backup's points).
enum CrashPoints {
    /// The point armed for this process, read once.
    static let armed: String? = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["TROVE_DB2_AGENT_TEST_HOOKS"] == "1" else { return nil }
        return environment["TROVE_DB2_AGENT_CRASH_AT"].flatMap { $0.isEmpty ? nil : $0 }
    }()

    /// Ends the process at once when `name` is the armed point; otherwise does nothing.
    static func reach(_ name: @autoclosure () -> String) {
        guard let armed, armed == name() else { return }
        TextOutput.write("trove-db2-agent: test hook: crash point \(armed) reached: SIGKILL\n")
        raise(SIGKILL)
    }
}
