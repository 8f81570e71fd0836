import AgentSupport
@testable import DB2
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

/// Commands run as the instance owner by an agent running as root (Trove's layout): they start whatever other
/// threads do meanwhile, and keep today's identity, environment, directory, input and process-group handling.
///
/// These tests need root (they switch to another account); CI runs them as root. Run as anyone else, they fail
/// saying so rather than pass without testing anything.
@Suite struct OwnerCommandTests {
    /// Issue 11, row 5: a child that switched credentials itself could wait for ever in glibc's `setgroups` for a
    /// thread the agent was creating at that instant; the command's timeout never fired. Here 4 tasks run up to 3000
    /// `/bin/true` as the owner while 3 threads create threads without pause. Bounded: at most 60 s of spawning, and
    /// a watchdog kills any child that has not reached `exec` after 5 s (which ends the spawn waiting for it).
    @Test func thousandsOfOwnerCommandsStartWhileThreadsAreCreated() async throws {
        let owner = try Self.nonRootOwner()
        let runner = Self.runner()
        let spawnLimit = 3_000
        let timeLimit = Duration.seconds(60)
        let started = ContinuousClock.now
        let tally = SpawnTally()
        let churn = ThreadChurn(threads: 3)
        // A child that deadlocked never reaches exec; one that is only slow (a loaded CI machine runs this beside
        // the whole suite) does within this bound.
        let watchdog = StuckChildWatchdog(limit: 30)
        await withTaskGroup(of: Void.self) { workers in
            for _ in 0..<4 {
                workers.addTask {
                    while tally.claim(upTo: spawnLimit), ContinuousClock.now - started < timeLimit {
                        let request = ProcessRequest(
                            executable: "/bin/true", arguments: [], environment: ["PATH": "/usr/bin:/bin"],
                            identity: .account(owner), timeout: .seconds(30), step: "true as the owner")
                        let began = ContinuousClock.now
                        do {
                            let outcome = try await runner.run(request)
                            let failure = outcome.termination == .exited(0) ? nil : "ended \(outcome.termination)"
                            tally.record(ContinuousClock.now - began, failure: failure)
                        } catch {
                            tally.record(ContinuousClock.now - began, failure: "\(error)")
                        }
                    }
                }
            }
        }
        await churn.stop()
        await watchdog.stop()
        let stuck = watchdog.killedChildren
        let limit = watchdog.limit
        #expect(
            stuck.isEmpty,
            """
            \(stuck.count) of \(tally.finished) owner commands never reached exec (stuck in the child for \(limit) s, \
            then killed by the test's watchdog)
            """)
        #expect(tally.failures.isEmpty, "failed runs: \(tally.failures.prefix(5))")
        #expect(tally.finished >= 100, "only \(tally.finished) owner commands ran in \(timeLimit)")
        #expect(churn.threadsCreated > 0)
    }

    @Test func anOwnerCommandRunsWithTheOwnersIdentityEnvironmentDirectoryAndInput() async throws {
        let nobody = try Self.nonRootOwner()
        // Two supplementary groups, to see that exactly the account's list is set (4 is `adm` on Debian and Ubuntu).
        let owner = OSAccount(
            name: nobody.name, uid: nobody.uid, gid: nobody.gid, home: nobody.home, groups: [nobody.gid, 4])
        try await withTemporaryDirectory { directory in
            let script = """
                IFS= read -r line; echo "input=$line"
                grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapAmb|CapBnd|NoNewPrivs):' /proc/self/status
                echo "pwd=$(pwd)"; echo "marker=$OWNER_TEST_MARKER"; echo "inherited=${HOME-unset}"
                echo "session=$(cut -d' ' -f6 /proc/$$/stat)"; echo "shell=$$"
                echo "argv=$(tr '\\0' ' ' </proc/$$/cmdline)"
                """
            let outcome = try await Self.runner().run(
                ProcessRequest(
                    executable: "/bin/sh", arguments: ["-c", script],
                    environment: ["OWNER_TEST_MARKER": "m-1", "PATH": "/usr/bin:/bin"],
                    identity: .account(owner), input: Secret(Array("Pa55-word\n".utf8)), timeout: .seconds(30),
                    workingDirectory: directory.path, step: "identity as the owner"))
            #expect(outcome.termination == .exited(0), "\(outcome.combinedOutput)")
            let lines = Self.fields(outcome.standardOutput)
            #expect(lines["input"] == "Pa55-word")
            #expect(lines["Uid"] == "\(owner.uid)\t\(owner.uid)\t\(owner.uid)\t\(owner.uid)")
            #expect(lines["Gid"] == "\(owner.gid)\t\(owner.gid)\t\(owner.gid)\t\(owner.gid)")
            #expect(lines["Groups"] == [4, owner.gid].sorted().map { String($0) }.joined(separator: " "))
            for set in ["CapInh", "CapPrm", "CapEff", "CapAmb"] { #expect(lines[set] == "0000000000000000", "\(set)") }
            // As with setuid(2) in the child: the bounding set and no_new_privs are the agent's, so DB2's setuid-root
            // helpers (db2ckpw) work as they did.
            let own = Self.fields(try String(contentsOfFile: "/proc/self/status", encoding: .utf8))
            #expect(lines["CapBnd"] == own["CapBnd"])
            #expect(lines["NoNewPrivs"] == own["NoNewPrivs"])
            #expect(lines["pwd"] == directory.path)
            #expect(lines["marker"] == "m-1")
            #expect(lines["inherited"] == "unset")
            // The program leads its own session (the runner kills that process group), and no wrapper is left in
            // its place: the secret input never was an argument.
            #expect(lines["session"] != nil && lines["session"] == lines["shell"])
            #expect(lines["argv"]?.hasPrefix("/bin/sh -c ") == true)
            #expect(lines["argv"]?.contains("setpriv") == false)
            #expect(lines["argv"]?.contains("Pa55") == false)
        }
    }

    @Test func anOwnerCommandThatIgnoresSIGTERMIsKilledWithItsProcessGroupOnTimeoutAndOnCancel() async throws {
        let owner = try Self.nonRootOwner()
        let runner = Self.runner()
        for ending in ["timeout", "cancel"] {
            let marker = "owner-test-\(UUID().uuidString)"
            // The shell and its background child ignore SIGTERM: only the group's SIGKILL ends them.
            let request = ProcessRequest(
                executable: "/bin/sh", arguments: ["-c", "trap '' TERM; sleep 300 & sleep 300; wait"],
                environment: ["OWNER_TEST_MARKER": marker, "PATH": "/usr/bin:/bin"], identity: .account(owner),
                timeout: ending == "timeout" ? .seconds(2) : .seconds(300), step: "hang as the owner")
            let started = ContinuousClock.now
            let run = Task { () async -> Result<ProcessOutcome, DB2Error> in
                do throws(DB2Error) { return .success(try await runner.run(request)) } catch { return .failure(error) }
            }
            try await waitFor("both sleeps of the owner's shell run (\(ending))") {
                Self.processes(marked: marker).filter { $0.command == "sleep" && $0.uid == owner.uid }.count == 2
            }
            if ending == "cancel" { run.cancel() }
            switch await run.value {
            case .success(let outcome): Issue.record("the hung command ended by itself (\(ending)): \(outcome.termination)")
            case .failure(let error): #expect(error.kind == (ending == "timeout" ? .timedOut : .cancelled), "\(error)")
            }
            try await waitFor("no process of the owner's command is left (\(ending))") {
                Self.processes(marked: marker).isEmpty
            }
            _ = started
        }
    }

    @Test func aProgramTheOwnerCannotRunFailsClearly() async throws {
        let owner = try Self.nonRootOwner()
        let runner = Self.runner()
        try await withTemporaryDirectory { directory in
            // Executable by root only, and a program anyone may run in a directory only root may search: root could
            // execute both, the owner neither.
            let rootOnly = directory.appendingPathComponent("root-only").path
            #expect(FileManager.default.createFile(atPath: rootOnly, contents: Data("#!/bin/sh\nexit 0\n".utf8)))
            #expect(chmod(rootOnly, 0o700) == 0)
            let locked = directory.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
            let hidden = locked.appendingPathComponent("true").path
            try FileManager.default.copyItem(atPath: "/bin/true", toPath: hidden)
            #expect(chmod(locked.path, 0o700) == 0)
            let programs = [
                ("/nonexistent/db2tool", "No such file"), (rootOnly, "Permission denied"), (hidden, "Permission denied"),
            ]
            for (program, reason) in programs {
                let error = await #expect(throws: DB2Error.self) {
                    try await runner.run(
                        ProcessRequest(
                            executable: program, arguments: [], environment: [:], identity: .account(owner),
                            timeout: .seconds(30), step: "run as the owner"))
                }
                #expect(error?.kind == .environment)
                #expect(error?.detail.contains(program) == true, "\(String(describing: error))")
                #expect(error?.detail.contains(reason) == true, "\(String(describing: error))")
            }
        }
    }

    // MARK: - Helpers

    /// `nobody` (present on every Debian and Ubuntu): an account other than root's, as the instance owner is.
    ///
    /// - Throws: when the tests do not run as root: they cannot run anything as another account.
    static func nonRootOwner() throws -> OSAccount {
        guard geteuid() == 0 else {
            throw Failure("this test needs root (it runs commands as another account): run the tests as root, as CI does")
        }
        guard let nobody = OSAccount.lookup("nobody"), nobody.uid != 0 else {
            throw Failure("this test needs the account \"nobody\"")
        }
        return nobody
    }

    /// `key: value` and `key=value` lines of `text` (the first separator counts), values trimmed.
    static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let separator = line.firstIndex(where: { $0 == ":" || $0 == "=" }) else { continue }
            fields[String(line[..<separator])] = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// The processes whose environment holds `OWNER_TEST_MARKER=<marker>`: their command name and real uid.
    static func processes(marked marker: String) -> [(command: String, uid: uid_t)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard Int32(entry) != nil,
                let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                environment.split(separator: 0).contains(where: { $0.elementsEqual("OWNER_TEST_MARKER=\(marker)".utf8) }),
                let status = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8)
            else { return nil }
            let fields = fields(status)
            guard let command = fields["Name"], let uid = fields["Uid"]?.split(separator: "\t").first.flatMap({ uid_t($0) })
            else { return nil }
            return (command, uid)
        }
    }

    static func runner() -> CommandRunner {
        var logger = Logger(label: "owner-command-test")
        logger.logLevel = .warning
        return CommandRunner(logger: logger)
    }
}
