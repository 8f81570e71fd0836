import Foundation
import Testing
import TestSupport

/// scripts/install and scripts/uninstall, and the systemd unit they install.
@Suite(.needsServices) struct InstallTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func files(under directory: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        return (enumerator?.allObjects as? [String] ?? []).sorted()
    }

    @Test func installsTheBinaryUnitAndSamplesThenUninstallsExactlyThose() async throws {
        let scratch = try makeTemporaryDirectory(prefix: "install-test")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let prefix = scratch.appendingPathComponent("usr")
        let binary = try TestEnvironment.binDirectory().appendingPathComponent("trove-db2-agent").path
        let install = try await ProcessRunner.run(
            Self.root.appendingPathComponent("scripts/install").path, ["--prefix", prefix.path, "--binary", binary])
        #expect(install.succeeded, "\(install.stderr)")
        #expect(files(under: prefix).filter { !$0.hasSuffix("/") }.contains("bin/trove-db2-agent"))
        let expected: Set = [
            "bin/trove-db2-agent", "lib/systemd/system/trove-db2-agent.service",
            "share/trove-db2-agent/etc/trove/conf.d/trove-guestagent.conf.sample",
            "share/trove-db2-agent/etc/trove/conf.d/guest_info.conf.sample",
            "share/trove-db2-agent/install-manifest",
        ]
        let installedFiles = Set(files(under: prefix).filter {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: prefix.appendingPathComponent($0).path, isDirectory: &isDirectory)
            return !isDirectory.boolValue
        })
        #expect(installedFiles == expected)

        let unit = try String(contentsOf: prefix.appendingPathComponent("lib/systemd/system/trove-db2-agent.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=\(prefix.path)/bin/trove-db2-agent run --config-file="))
        let version = try await ProcessRunner.run(prefix.appendingPathComponent("bin/trove-db2-agent").path, ["--version"])
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")

        let uninstall = try await ProcessRunner.run(
            Self.root.appendingPathComponent("scripts/uninstall").path, ["--prefix", prefix.path])
        #expect(uninstall.succeeded, "\(uninstall.stderr)")
        #expect(!FileManager.default.fileExists(atPath: prefix.path), "left behind: \(files(under: prefix))")
    }

    @Test func theUnitPassesSystemdAnalyzeVerify() async throws {
        let scratch = try makeTemporaryDirectory(prefix: "unit-test")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let binary = try TestEnvironment.binDirectory().appendingPathComponent("trove-db2-agent").path
        let unit = try String(contentsOf: Self.root.appendingPathComponent("systemd/trove-db2-agent.service"), encoding: .utf8)
            .replacingOccurrences(of: "ExecStart=/usr/local/bin/trove-db2-agent ", with: "ExecStart=\(binary) ")
        let path = scratch.appendingPathComponent("trove-db2-agent.service")
        try unit.write(to: path, atomically: true, encoding: .utf8)
        let verify = try await ProcessRunner.run("/usr/bin/systemd-analyze", ["verify", path.path])
        #expect(verify.succeeded && verify.stderr.isEmpty, "\(verify.stdout)\(verify.stderr)")
        for required in ["Type=notify", "WatchdogSec=", "Restart=on-failure", "KillMode=mixed", "TimeoutStopSec=",
                         "NoNewPrivileges=yes", "CapabilityBoundingSet=", "PrivateTmp=yes", "ProtectSystem="] {
            #expect(unit.contains(required), "the unit lacks \(required)")
        }
    }
}
