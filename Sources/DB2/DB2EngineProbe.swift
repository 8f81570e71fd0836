import Foundation

/// Looks for the DB2 engine process (`db2sysc`) of an instance owner in the process table, as Trove's
/// `DB2_STATUS` (`ps -ef | grep db2inst1 | grep db2sysc`) does, without a shell.
public enum DB2EngineProbe {
    /// Whether a process named `db2sysc` runs as `owner`. A missing user means no engine.
    public static func isEngineRunning(owner: String, procRoot: String = "/proc") -> Bool {
        guard let user = getpwnam(owner) else { return false }
        let uid = user.pointee.pw_uid
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: procRoot) else { return false }
        for entry in entries where entry.allSatisfy(\.isNumber) {
            let base = "\(procRoot)/\(entry)"
            guard let comm = try? String(contentsOfFile: "\(base)/comm", encoding: .utf8),
                comm.trimmingCharacters(in: .whitespacesAndNewlines) == "db2sysc"
            else { continue }
            var info = stat()
            if stat(base, &info) == 0, info.st_uid == uid { return true }
        }
        return false
    }
}
