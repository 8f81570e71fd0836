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
                comm.trimmingWhitespace() == "db2sysc", !isEnded(base)
            else { continue }
            var info = stat()
            guard stat(base, &info) == 0, info.st_uid == uid else { continue }
            guard let instanceHome, let home = environmentValue("INSTHOME", of: base) else { return true }
            if samePath(home, instanceHome) { return true }
        }
        return false
    }

    /// Whether the process has ended and waits to be reaped (`Z`, `X` in `/proc/<pid>/stat`): a defunct `db2sysc`
    /// is no engine, and its environment is empty, so it would otherwise count for every instance home.
    static func isEnded(_ processDirectory: String) -> Bool {
        guard let stat = try? String(contentsOfFile: "\(processDirectory)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].first { $0 != " " }
        return state == "Z" || state == "X"
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
