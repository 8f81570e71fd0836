@testable import DB2
import Testing

/// How a command for another account is put to `setpriv`, and how `setpriv`'s own failures are told from the
/// program's.
@Suite struct AccountSwitchTests {
    let owner = OSAccount(name: "db2inst1", uid: 1001, gid: 1002, home: "/home/db2inst1", groups: [1002, 27, 1003])

    @Test func setprivSetsTheAccountsIdsAndExactlyItsGroupsThenASecondOneRunsTheProgramByItsPath() {
        let command = AccountSwitch(setpriv: "/usr/bin/setpriv").command(
            "/home/db2inst1/sqllib/adm/db2start", ["-", "--reuid=0"], as: owner)
        #expect(command.executable == "/usr/bin/setpriv")
        #expect(
            command.arguments == [
                "--reuid=1001", "--regid=1002", "--groups=1002,27,1003", "--inh-caps=-all", "--", "/usr/bin/setpriv", "--",
                "/home/db2inst1/sqllib/adm/db2start", "-", "--reuid=0",
            ])
        let noGroups = OSAccount(name: "x", uid: 5, gid: 6, home: "/", groups: [])
        #expect(AccountSwitch(setpriv: "/bin/setpriv").command("/bin/true", [], as: noGroups).arguments == [
            "--reuid=5", "--regid=6", "--clear-groups", "--inh-caps=-all", "--", "/bin/setpriv", "--", "/bin/true",
        ])
    }

    @Test func theRunnerUsesSetprivOnlyForAnotherAccountAndOnlyWithAnAbsolutePath() throws {
        let own = ProcessRequest(executable: "/bin/true", arguments: ["a"], environment: [:], timeout: .seconds(1), step: "s")
        #expect(try CommandRunner.command(for: own) == ("/bin/true", ["a"]))
        var other = own
        other.identity = .account(owner)
        let installed = try #require(AccountSwitch.installed, "util-linux's setpriv is not installed")
        #expect(try CommandRunner.command(for: other) == installed.command("/bin/true", ["a"], as: owner))
        other.executable = "true"
        let error = #expect(throws: DB2Error.self) { try CommandRunner.command(for: other) }
        #expect(error?.kind == .environment)
        #expect(error?.detail == "true is not an absolute path")
    }

    @Test func aMissingSetprivIsNotFound() {
        #expect(AccountSwitch.find(in: ["/nonexistent/setpriv", "/etc"]) == nil)
        #expect(AccountSwitch.find(in: ["/nonexistent/setpriv", "/bin/sh"]) == AccountSwitch(setpriv: "/bin/sh"))
    }

    @Test func setprivsOwnFailuresAreToldFromTheProgramsExitCodes() {
        let failed = "setpriv: failed to execute /x/db2: No such file or directory\n"
        #expect(AccountSwitch.failure(exitCode: 127, standardError: failed) == "setpriv: failed to execute /x/db2: No such file or directory")
        #expect(AccountSwitch.failure(exitCode: 126, standardError: "setpriv: failed to execute /x: Permission denied") != nil)
        #expect(AccountSwitch.failure(exitCode: 127, standardError: "setpriv: setresuid failed: Operation not permitted") != nil)
        // The program's own exit codes and messages.
        #expect(AccountSwitch.failure(exitCode: 127, standardError: "sh: 1: db2: not found\n") == nil)
        #expect(AccountSwitch.failure(exitCode: 4, standardError: "setpriv: looks like ours but is not a setpriv code") == nil)
        #expect(AccountSwitch.failure(exitCode: 0, standardError: "") == nil)
        #expect(AccountSwitch.failure(exitCode: nil, standardError: failed) == nil)
    }
}
