#if canImport(Glibc)
import Glibc
#endif

/// Runs a program as another account through util-linux's `setpriv`: the agent's child never changes its own
/// credentials; `setpriv`, a freshly executed single-threaded program, sets the groups, the gid and the uid and then
/// executes the program in its own place — through a second `setpriv` (see ``command(_:_:as:)``).
///
/// Why not let swift-subprocess switch: it sets credentials in a child made by a raw `clone3`, which copies the
/// agent's memory — glibc's list of the agent's threads included — without glibc's fork handlers, so glibc in the
/// child still believes the process is multi-threaded. There `setgroups`, `setgid` and `setuid` go through glibc's
/// setxid broadcast (`__nptl_setxid`): it takes the stack-cache lock and waits for every listed thread that was being
/// created at the instant of the clone. That thread only exists in the agent: the child waits for ever before its
/// `exec`, swift-subprocess waits for that `exec`, and the command's timeout never fires (issue 11, row 5: all DB2
/// work, `prepare` and SIGTERM hung). With no credentials to set, swift-subprocess spawns with glibc's
/// `posix_spawn` (its own session, the working directory, the standard streams), and nothing in the child takes a
/// lock; `setpriv` starts with one thread, so glibc makes the calls directly.
///
/// What the program gets is what the direct switch gave it (`OwnerCommandTests` checks): real, effective and saved
/// uid and gid of the account and exactly its supplementary groups; no capabilities, inheritable and ambient ones
/// included; the bounding set and `no_new_privs` untouched, so DB2's setuid-root helpers (`db2ckpw`, `db2chpw`)
/// still work; and the program is executed with the account's own permissions (one it may not execute fails).
/// Being `exec`s, it keeps the pid — so the session and process group the runner kills on timeout or cancellation
/// —, the environment, the working directory, the standard streams and the signal state. The arguments added are
/// numbers and paths: nothing secret (secrets travel on standard input).
struct AccountSwitch: Sendable, Equatable {
    /// Absolute path of `setpriv`.
    let setpriv: String

    /// Where util-linux installs `setpriv`: merged `/usr` (Debian, Ubuntu), then the older `/bin`.
    static let candidates = ["/usr/bin/setpriv", "/bin/setpriv"]

    /// The `setpriv` of this machine, nil when util-linux's is not installed.
    ///
    /// Looked up once per process, on first use: one `access(2)` of a local file.
    static let installed = find(in: candidates)

    /// The first of `candidates` that is an executable file.
    static func find(in candidates: [String]) -> AccountSwitch? {
        candidates.first(where: ExecutableFile.exists(at:)).map(AccountSwitch.init(setpriv:))
    }

    /// The program and arguments that run `executable` with `arguments` as `account`.
    ///
    /// `setpriv --reuid=U --regid=G --groups=… --inh-caps=-all -- setpriv -- <executable> <arguments>`.
    ///
    /// `--groups` gives the account's groups as ``OSAccount`` read them (what `initgroups(3)` sets), the same list
    /// the child used to get (`setpriv` wants a group option with `--regid`). `--inh-caps=-all` empties the
    /// inheritable set, and so the ambient one: no capability passes an `exec`.
    ///
    /// The second `setpriv`, with no option, only executes the program. The first keeps root's capabilities until
    /// its own `exec` (it sets `PR_SET_KEEPCAPS` to change the uid before the groups), so a program it executed
    /// directly would be looked up and opened with root's permissions — a program, or a directory on its path, the
    /// account may not execute would run anyway, as the account and readable by it. The second starts with none, as
    /// the account: the kernel checks the account's own permissions, as it did after `setuid` in the child.
    ///
    /// `--` ends each `setpriv`'s options, and `executable` is absolute, so `setpriv` never searches `PATH` for it.
    func command(_ executable: String, _ arguments: [String], as account: OSAccount) -> (
        executable: String, arguments: [String]
    ) {
        let groups =
            account.groups.isEmpty
            ? "--clear-groups" : "--groups=" + account.groups.map { String($0) }.joined(separator: ",")
        let switchIDs = ["--reuid=\(account.uid)", "--regid=\(account.gid)", groups, "--inh-caps=-all", "--"]
        return (setpriv, switchIDs + [setpriv, "--", executable] + arguments)
    }

    /// `setpriv`'s own complaint when it, not the program, failed — it could not switch, or could not execute the
    /// program (126 and 127 as a shell reports them, 1 for a refused option) — else nil.
    ///
    /// Its messages start with its name (`err(3)`), which no DB2 tool prints.
    static func failure(exitCode: Int32?, standardError: String) -> String? {
        guard let exitCode, [1, 126, 127].contains(exitCode), standardError.hasPrefix("setpriv: ") else { return nil }
        return String(standardError.prefix { $0 != "\n" })
    }
}
