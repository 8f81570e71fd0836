import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The instance home `db2sim install` lays out, DB2START/DB2STOP and `db2sysc`, and `db2set`.
@Suite(.needsServices) struct InstanceTests {
    @Test func installLaysOutTheToolsAndAProfileThatSetsTheEnvironment() async throws {
        try await InstanceHome.with(instance: "db2inst1") { home in
            for tool in ["db2", "db2start", "db2stop", "db2set", "db2ckbkp"] {
                let path = "\(home.home)/sqllib/bin/\(tool)"
                let target = try await Files.linkTarget(path)
                #expect(target.hasSuffix("/db2sim"), "\(tool) links to \(target)")
            }
            #expect(home.environment["DB2INSTANCE"] == "db2inst1")
            #expect(home.environment["INSTHOME"] == home.home)
            #expect(home.environment["DB2SIM_STATE_DIR"] == "\(home.home)/sqllib/db2sim")
            #expect(home.environment["PATH"]?.hasPrefix("\(home.home)/sqllib/bin:") == true)
            let which = try await home.shell("command -v db2")
            #expect(which.output == "\(home.home)/sqllib/bin/db2\n")
        }
    }

    @Test func db2startLeavesADb2syscProcessThatDb2stopEnds() async throws {
        try await InstanceHome.with { home in
            let start = try await home.run(["db2start"])
            #expect(start.status == 0)
            #expect(start.output.hasSuffix("SQL1063N  DB2START processing was successful.\n"))
            #expect(start.output.contains("     0   0   SQL1063N  DB2START processing was successful."))
            let servers = try await serverProcesses(home)
            #expect(servers.count == 1)
            let ps = try await home.shell("ps -ef | grep db2sysc | grep -v grep")
            #expect(ps.output.contains("db2sysc 0"))

            let again = try await home.run(["db2start"])
            #expect(again.status == 1)
            #expect(again.output.hasSuffix("SQL1026N  The database manager is already active.\n"))

            let stop = try await home.run(["db2stop"])
            #expect(stop.status == 0)
            #expect(stop.output.hasSuffix("SQL1064N  DB2STOP processing was successful.\n"))
            #expect(try await serverProcesses(home).isEmpty)
            for pid in servers {
                let running = await isRunning(pid)
                #expect(!running, "db2sysc \(pid) still runs")
            }

            let stopped = try await home.run(["db2stop"])
            #expect(stopped.status == 1)
            #expect(stopped.output.hasSuffix("SQL1032N  No start database manager command was issued.  SQLSTATE=57019\n"))
        }
    }

    @Test func commandsThatNeedTheInstanceFailWithSQL1032NWhileItIsStopped() async throws {
        try await InstanceHome.with { home in
            for command in ["create database x", "connect to x", "force application all", "backup database x to /tmp"] {
                let result = try await home.db2(command)
                #expect(result.status == 4, "\(command): \(result)")
                #expect(result.output == "SQL1032N  No start database manager command was issued.  SQLSTATE=57019\n")
            }
            let terminate = try await home.db2("terminate")
            #expect(terminate.status == 0)
            #expect(terminate.output == "DB20000I  The TERMINATE command completed successfully.\n")
        }
    }

    @Test func db2stopRefusesWhileADatabaseIsActiveUnlessForced() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            try await home.succeed("db2 create database sample")
            let script = """
                db2 connect to sample > /dev/null || exit 1
                db2stop
                echo "rc=$?"
                db2 force application all
                db2 terminate > /dev/null
                db2stop
                echo "rc=$?"
                """
            let result = try await home.shell(script)
            #expect(
                result.output.contains(
                    "SQL1025N  The database manager was not stopped because databases are still\nactive.\nrc=1\n"))
            #expect(result.output.contains("DB20000I  The FORCE APPLICATION command completed successfully.\nDB21024I  This command is asynchronous and may not be effective immediately.\n"))
            #expect(result.output.hasSuffix("SQL1064N  DB2STOP processing was successful.\nrc=0\n"))

            try await home.start()
            let forced = try await home.shell("db2 connect to sample > /dev/null && db2stop force")
            #expect(forced.status == 0)
            #expect(forced.output.hasSuffix("SQL1064N  DB2STOP processing was successful.\n"))
        }
    }

    @Test func stopAsTroveDoesIt() async throws {
        try await InstanceHome.with { home in
            try await home.start()
            let result = try await home.shell("db2 force application all; db2 terminate; db2stop")
            #expect(result.status == 0)
            #expect(result.output.hasSuffix("SQL1064N  DB2STOP processing was successful.\n"))
            #expect(try await serverProcesses(home).isEmpty)
        }
    }

    /// db2level names the install; its `instance/db2iauto` sets DB2AUTOSTART for the instance; a fault after the
    /// engine started is a partial start (the engine runs, db2start exits 1).
    @Test func db2levelDb2iautoAndAPartialStart() async throws {
        try await InstanceHome.with { home in
            let level = try await home.run(["db2level"])
            #expect(level.status == 0)
            let installed = "\(home.home)/sqllib/db2sim/V11.5"
            #expect(level.output.hasSuffix("Product is installed at \"\(installed)\".\n"))
            let on = try await home.run(["\(installed)/instance/db2iauto", "-on", "db2inst1"])
            #expect(on.status == 0, "\(on)")
            #expect(try await home.shell("db2set DB2AUTOSTART").output == "YES\n")
            #expect(try await home.run(["\(installed)/instance/db2iauto", "-off", "db2inst1"]).status == 0)
            #expect(try await home.shell("db2set DB2AUTOSTART").output == "NO\n")
            #expect(try await home.run(["\(installed)/instance/db2iauto", "-on", "other"]).status == 1)
            #expect(try await home.run(["\(installed)/instance/db2iauto", "on"]).status == 1)

            #expect(try await home.simulator(["fault", "add", "--match", "db2start", "--at", "after-start", "--fail", "SQL5043N"]).status == 0)
            let partial = try await home.run(["db2start"])
            #expect(partial.status == 1)
            #expect(partial.output.contains("\nSQL5043N  Support for one or more communications protocols"))
            #expect(try await home.run(["db2start"]).output.contains("SQL1026N"), "the engine runs")
        }
    }

    @Test func db2setKeepsGlobalAndInstanceRegistryVariables() async throws {
        try await InstanceHome.with { home in
            #expect(try await home.run(["db2set", "-g", "DB2SYSTEM=guest-1"]).status == 0)
            #expect(try await home.run(["db2set", "DB2COMM=TCPIP"]).status == 0)
            let all = try await home.run(["db2set", "-all"])
            #expect(all.output == "[i] DB2COMM=TCPIP\n[g] DB2SYSTEM=guest-1\n")
            #expect(try await home.run(["db2set", "DB2COMM"]).output == "TCPIP\n")
            #expect(try await home.run(["db2set", "DB2COMM="]).status == 0)
            #expect(try await home.run(["db2set", "-all"]).output == "[g] DB2SYSTEM=guest-1\n")
            // As Trove runs it: through a shell, after sourcing the profile.
            let trove = try await home.shell(". \(home.home)/sqllib/db2profile;db2set -g DB2SYSTEM=\"$(hostname)\"")
            #expect(trove.status == 0)
            #expect(try await home.run(["db2set", "-all"]).output.hasPrefix("[g] DB2SYSTEM="))
        }
    }

    /// The pids of live (not zombie) `db2sysc` processes of this instance.
    private func serverProcesses(_ home: InstanceHome) async throws -> [Int32] {
        let state = try await Files.data("\(home.home)/sqllib/db2sim/instance.json")
        let json = try JSONSerialization.jsonObject(with: state) as? [String: Any]
        guard let server = json?["server"] as? [String: Any], let process = server["process"] as? [String: Any],
            let pid = process["pid"] as? Int
        else { return [] }
        let pid32 = Int32(pid)
        let comm = await Files.text("/proc/\(pid)/comm") ?? ""
        let running = await isRunning(pid32)
        return comm == "db2sysc\n" && running ? [pid32] : []
    }

    private func isRunning(_ pid: Int32) async -> Bool {
        guard let stat = await Files.text("/proc/\(pid)/stat"),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(close, offsetBy: 2)] != "Z"
    }
}
