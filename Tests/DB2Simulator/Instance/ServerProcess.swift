import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// DB2START, DB2STOP and the `db2sysc` process they start and end.
///
/// `db2start` spawns `<home>/sqllib/adm/db2sysc` (a link to the stand-in's executable, so `ps` shows `db2sysc`) in a
/// session of its own with its standard streams on `/dev/null`, and records it in the instance state. `db2sysc`
/// waits, and exits when the instance no longer records it (or its files are gone), so none outlives its instance.
enum ServerProcess {
    /// The outcome of DB2START/DB2STOP as the stand-alone commands print it.
    struct Outcome {
        let message: DB2Message
        let exitCode: Int32

        /// The member line (`mm/dd/yyyy hh:mm:ss     0   0   SQLnnnnN ...`) followed by the message, as
        /// `db2start`/`db2stop` print them.
        var output: String {
            let f = DB2Time.fields(DB2Time.now(), local: true)
            let stamp = "\(DB2Time.pad(f.month, 2))/\(DB2Time.pad(f.day, 2))/\(DB2Time.pad(f.year, 4)) "
                + "\(DB2Time.pad(f.hour, 2)):\(DB2Time.pad(f.minute, 2)):\(DB2Time.pad(f.second, 2))"
            let flat = "\(message.id)  \(message.text)" + (message.sqlState.map { "  SQLSTATE=\($0)" } ?? "")
            return "\(stamp)     0   0   \(flat)\n\(message)\n"
        }
    }

    /// Starts the instance: SQL1063N, or SQL1026N when it already runs.
    static func start(_ session: CLPSession) throws -> Outcome {
        try session.instance.update { state in
            if state.isStarted { return Outcome(message: DB2Message("SQL1026N"), exitCode: 1) }
            let process = try spawnServer(session.layout)
            let numdb = Int(state.databaseManagerConfiguration.value("NUMDB", in: ConfigurationTables.databaseManager))
            state.server = InstanceState.Server(
                process: process, startedAt: DB2Time.now(), maximumActiveDatabases: numdb ?? 32)
            state.connections.removeAll()
            state.activatedDatabases.removeAll()
            state.quiesce = nil
            return Outcome(message: DB2Message("SQL1063N"), exitCode: 0)
        }
    }

    /// Stops the instance: SQL1064N; SQL1032N when it does not run; SQL1025N while databases are active, unless
    /// `force` (which ends every connection first).
    static func stop(_ session: CLPSession, force: Bool) throws -> Outcome {
        let server: InstanceState.Server? = try session.instance.update { state in
            guard let server = state.server, state.isStarted else { return nil }
            if !force, !state.activeDatabases.isEmpty { throw DB2Failure(DB2Message("SQL1025N")) }
            // Utilities notice that their registration is gone and fail with SQL1224N.
            state.server = nil
            state.connections.removeAll()
            state.activatedDatabases.removeAll()
            state.quiesce = nil
            return server
        }
        guard let server else { return Outcome(message: DB2Message("SQL1032N"), exitCode: 1) }
        terminate(server.process)
        return Outcome(message: DB2Message("SQL1064N"), exitCode: 0)
    }

    /// Runs as `db2sysc` until the instance stops recording this process.
    static func serve(layout: InstanceLayout) -> Never {
        // Keep nothing the starter had open (a pipe held here would keep its reader waiting for ever).
        for name in FileSystem.list("/proc/self/fd") {
            if let descriptor = Int32(name), descriptor > 2 { close(descriptor) }
        }
        let store = InstanceStore(layout: layout)
        let me = ProcessIdentity.current
        while true {
            guard FileSystem.exists(layout.stateFile), let state = try? store.read(), state.server?.process == me else {
                exit(0)
            }
            usleep(500_000)
        }
    }

    /// Ends `process` with SIGTERM, then SIGKILL if it is still there after 10 seconds.
    static func terminate(_ process: ProcessIdentity) {
        guard process.isAlive else { return }
        kill(process.pid, SIGTERM)
        let deadline = DB2Time.now() + 10_000_000
        while process.isAlive, DB2Time.now() < deadline { usleep(20_000) }
        if process.isAlive { kill(process.pid, SIGKILL) }
    }

    /// Spawns `db2sysc 0` in a new session with its standard streams on `/dev/null` (it closes any other descriptor
    /// it inherits as it starts, see ``serve(layout:)``).
    private static func spawnServer(_ layout: InstanceLayout) throws -> ProcessIdentity {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc): the server gets a session of its own, like a daemon.
        posix_spawnattr_setflags(&attributes, Int16(0x80))
        let arguments = ["db2sysc", "0"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, layout.serverExecutable, &actions, &attributes, &argv, environ)
        guard result == 0 else { throw SystemCallError("posix_spawn", path: layout.serverExecutable, code: result) }
        var identity = ProcessTable.identity(of: pid)
        let deadline = DB2Time.now() + 2_000_000
        while identity == nil || ProcessTable.commandName(of: pid) != "db2sysc", DB2Time.now() < deadline {
            usleep(5_000)
            identity = ProcessTable.identity(of: pid)
        }
        guard let identity else { throw SystemCallError("posix_spawn", path: layout.serverExecutable, code: ESRCH) }
        return identity
    }
}
