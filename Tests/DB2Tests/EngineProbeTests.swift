import DB2
import Foundation
import Testing

/// The engine probe reads a process table: here a made-up one, so each case is exactly the process it names.
@Suite struct EngineProbeTests {
    /// A `/proc` with one process `pid`: its `comm`, its `stat` state letter and its environment.
    private func processTable(state: Character, environment: [String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID().uuidString)")
        let process = root.appendingPathComponent("4242")
        try FileManager.default.createDirectory(at: process, withIntermediateDirectories: true)
        try "db2sysc\n".write(to: process.appendingPathComponent("comm"), atomically: true, encoding: .utf8)
        try "4242 (db2sysc) \(state) 1 4242 4242 0 -1 4194560 0 0 0 0\n"
            .write(to: process.appendingPathComponent("stat"), atomically: true, encoding: .utf8)
        let environ = environment.map { $0 + "\0" }.joined()
        try environ.write(to: process.appendingPathComponent("environ"), atomically: true, encoding: .utf8)
        return root
    }

    private var owner: String { String(cString: getpwuid(geteuid())!.pointee.pw_name) }

    @Test func aRunningEngineOfTheInstanceIsFoundAndOneOfAnotherIsNot() throws {
        let root = try processTable(state: "S", environment: ["INSTHOME=/home/db2inst1", "PATH=/bin"])
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(DB2EngineProbe.isEngineRunning(owner: owner, instanceHome: "/home/db2inst1", procRoot: root.path))
        #expect(!DB2EngineProbe.isEngineRunning(owner: owner, instanceHome: "/home/other", procRoot: root.path))
    }

    /// A `db2sysc` that has exited and waits to be reaped has an empty environment; it is no engine, of this
    /// instance or any other (under load, another instance's exiting engine made a stopped one look crashed).
    @Test func aDefunctEngineIsNotRunning() throws {
        let root = try processTable(state: "Z", environment: [])
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(!DB2EngineProbe.isEngineRunning(owner: owner, instanceHome: "/home/db2inst1", procRoot: root.path))
        #expect(!DB2EngineProbe.isEngineRunning(owner: owner, procRoot: root.path))
    }
}
