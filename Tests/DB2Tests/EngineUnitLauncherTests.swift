@testable import DB2
import Testing

@Suite struct EngineUnitLauncherTests {
    @Test func runsTheEngineInATransientUnitThatNeverKillsIt() {
        let launcher = EngineUnitLauncher(systemdRun: "/usr/bin/systemd-run", systemctl: "/usr/bin/systemctl", outputDirectory: "/home/db2inst1")
        let owner = OSAccount(name: "db2inst1", uid: 1001, gid: 1001, home: "/home/db2inst1", groups: [1001])
        let arguments = launcher.arguments(
            unit: "trove-db2-engine-db2inst1-0a1b2c3d", executable: "/home/db2inst1/sqllib/adm/db2start", arguments: [],
            owner: owner, environment: ["DB2INSTANCE": "db2inst1", "PATH": "/home/db2inst1/sqllib/bin:/usr/bin"],
            outputFile: "/home/db2inst1/.trove-db2-agent-db2start.out")
        #expect(arguments.contains("--unit=trove-db2-engine-db2inst1-0a1b2c3d"))
        #expect(arguments.contains("--service-type=oneshot"))
        #expect(arguments.contains("--property=RemainAfterExit=yes"))
        #expect(arguments.contains("--property=KillMode=none"))
        #expect(arguments.contains("--uid=1001") && arguments.contains("--gid=1001"))
        #expect(arguments.contains("--setenv=DB2INSTANCE=db2inst1"))
        #expect(arguments.suffix(2) == ["--", "/home/db2inst1/sqllib/adm/db2start"])
        #expect(launcher.unitPattern(owner: "db2inst1") == "trove-db2-engine-db2inst1-*.service")
    }

    @Test func isOffOutsideSystemd() {
        #expect(EngineUnitLauncher.detect(environment: [:], outputDirectory: "/tmp") == nil)
    }
}
