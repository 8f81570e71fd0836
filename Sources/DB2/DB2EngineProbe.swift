#if canImport(Glibc)
import Glibc
#endif
import AgentSupport
import FoundationEssentials

/// Looks for the DB2 engine process (`db2sysc`) of an instance owner in the process table, as Trove's
/// `DB2_STATUS` (`ps -ef | grep db2inst1 | grep db2sysc`) does, without a shell.
public enum DB2EngineProbe {
    /// Whether a process named `db2sysc` runs as `owner` (and, when `instanceHome` is given and the process's
    /// environment names one, for that instance home: `INSTHOME`, which `db2profile` sets). A missing user means no
    /// engine.
    ///
    /// Blocking (reads `/proc`): call it off the cooperative pool.
    public static func isEngineRunning(owner: String, instanceHome: String? = nil, procRoot: String = "/proc") -> Bool {
        guard let user = getpwnam(owner) else { return false }
        let uid = user.pointee.pw_uid
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: procRoot) else { return false }
        for entry in entries where entry.allSatisfy(\.isNumber) {
            let base = "\(procRoot)/\(entry)"
            guard let comm = try? String(contentsOfFile: "\(base)/comm", encoding: .utf8),
                comm.trimmingWhitespace() == "db2sysc"
            else { continue }
            var info = stat()
            guard stat(base, &info) == 0, info.st_uid == uid else { continue }
            guard let instanceHome, let home = environmentValue("INSTHOME", of: base) else { return true }
            if samePath(home, instanceHome) { return true }
        }
        return false
    }

    /// A variable of a process's environment (`/proc/<pid>/environ`), when readable.
    static func environmentValue(_ name: String, of processDirectory: String) -> String? {
        guard let data = FileManager.default.contents(atPath: "\(processDirectory)/environ") else { return nil }
        let prefix = Array("\(name)=".utf8)
        for entry in data.split(separator: 0) where entry.starts(with: prefix) {
            return String(decoding: entry.dropFirst(prefix.count), as: UTF8.self)
        }
        return nil
    }

    static func samePath(_ lhs: String, _ rhs: String) -> Bool {
        func resolved(_ path: String) -> String {
            guard let real = realpath(path, nil) else { return path }
            defer { free(real) }
            return String(cString: real)
        }
        return resolved(lhs) == resolved(rhs)
    }
}
