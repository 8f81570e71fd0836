import AgentSupport
import Foundation
import OsloRPC
import Synchronization
import Testing
import TestSupport

/// Every request slot busy behind one hung state change (db2sim hangs `CREATE DATABASE SLOW`): the agent takes no
/// more from the broker than it can hold, serves everything in the end, and still answers cheap calls at once.
/// One test at a time: both measure time and memory on a small machine.
@Suite(.serialized, .needsServices) struct BackPressureTests {
    /// A prepared agent on db2sim whose 64 request slots all wait on one `CREATE DATABASE` that hangs.
    struct BusyAgent {
        let setup: DB2ManagerRPCTests.Setup

        /// Casts `create_database SLOW` `count` times (the first hangs, the others wait for it) and returns once 64
        /// of them run, i.e. every request slot is taken.
        static func start(queued count: Int) async throws -> BusyAgent {
            let tests = DB2ManagerRPCTests()
            // A short grace: at the end, what still waits on the hung statement is cancelled, not waited for.
            let setup = try await tests.setUp(db2: [:], extraConfig: ["DEFAULT": ["shutdown_grace_period": "1"]])
            #expect(try await tests.prepare(setup) == "running")
            try await setup.db2.fault(["add", "--match", "CREATE DATABASE SLOW", "--hang", "600"])
            for _ in 0..<count {
                try await setup.client.cast("create_database", ["databases": [TroveDicts.schema("slow")]])
            }
            let agent = BusyAgent(setup: setup)
            try await waitFor("the hung CREATE DATABASE and 64 request slots taken", timeout: 60) {
                guard agent.received("create_database") >= 64 else { return false }
                return try await setup.db2.faultList().contains("fired=1")
            }
            return agent
        }

        /// How many requests for `method` the agent has started (its debug log says so as each takes a slot).
        func received(_ method: String) -> Int {
            setup.daemon.logs.allLines.count { $0.contains("RPC cast received") && $0.contains("rpc.method=\(method)") }
        }

        /// Releases the hung statement and stops the agent.
        func stop() async throws {
            try await setup.db2.fault(["clear"])
            #expect(await setup.daemon.stop() == 0)
        }
    }

    /// Row 9: `rpc_ping` waited 41 s behind one slow CREATE DATABASE and 70 queued casts; Trove gives it 15 s.
    @Test func aPingAndAListAreAnsweredWithinTrovesTimeoutWhileEverySlotWaitsOnAStateChange() async throws {
        let agent = try await BusyAgent.start(queued: 71)
        let client = agent.setup.client
        let asked = Date()
        // Trove's ping timeout is 15 s: a MessagingTimeout here is the failure this test is about.
        let ping = try await client.call("rpc_ping", timeout: 15)
        #expect(ping["result"] == true, "\(JSONWriter.string(ping))")
        #expect(Date().timeIntervalSince(asked) < 5)
        let listed = try await client.call(
            "list_databases", ["limit": nil, "marker": nil, "include_marker": false], timeout: 15)
        #expect(listed["ok"] == true && TroveDicts.names(listed["result"].item(0)).isEmpty, "\(JSONWriter.string(listed))")
        let stats = try await client.call("get_filesystem_stats", ["fs_path": "/"], timeout: 15)
        #expect(stats["result"]?["total_blocks"] != nil, "\(JSONWriter.string(stats))")
        try await agent.stop()
    }

    /// Row 7: deliveries were acknowledged on arrival into an unbounded buffer: with every slot busy, 1500 casts of
    /// 1 MB took the agent from 67 to 1565 MiB. Now it holds a bounded window and leaves the rest with the broker,
    /// yet serves every cast once slots free up.
    @Test func aFloodOfLargeCastsWhileEverySlotIsBusyKeepsMemoryFlatAndEveryCastIsServed() async throws {
        let agent = try await BusyAgent.start(queued: 64)
        let daemon = agent.setup.daemon
        let port = try TestEnvironment.amqpPort()
        let raw = try await RawAMQPClient.connect(port: port)
        let baseline = try residentBytes(of: daemon.pid)
        let peak = Mutex(baseline)
        let sampling = Task {
            while !Task.isCancelled {
                if let now = try? residentBytes(of: daemon.pid) { peak.withLock { $0 = max($0, now) } }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        defer { sampling.cancel() }
        let count = 1000
        let padding = JSONValue.string(String(repeating: "f", count: 1 << 20))
        try await onOwnThread("flood") {
            try raw.sendAll(
                (0..<count).lazy.map { _ in RawAMQPClient.cast("create_database", ["databases": [], "pad": padding]) },
                topic: daemon.topic)
        }
        func served() -> Int {
            daemon.logs.allLines.count { $0.contains("RPC cast failed") && $0.contains("unexpected keyword argument 'pad'") }
        }
        // Nothing can be served while the slots are taken; release the hung statement and every cast goes through.
        try await agent.setup.db2.fault(["clear"])
        try await waitFor("all \(count) casts served (\(served()) so far)", timeout: 240) {
            if let now = try? residentBytes(of: daemon.pid) { peak.withLock { $0 = max($0, now) } }
            return served() == count
        }
        let growth = peak.withLock { $0 } - baseline
        print("flood of \(count) casts of 1 MiB: agent RSS \(baseline >> 20) MiB, peak +\(growth >> 20) MiB")
        #expect(growth < 256 << 20, "RSS grew by \(growth >> 20) MiB during a flood of \(count) MiB")
        #expect(try await agent.setup.client.call("rpc_ping")["result"] == true)
        try await agent.stop()
    }
}

