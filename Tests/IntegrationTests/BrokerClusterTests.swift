import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// The agent on a three-node RabbitMQ cluster with quorum queues (`rabbit_quorum_queue = True` on every side,
    /// every side given every node), as a production Trove runs it: a node stops in the middle of a backup, cleanly
    /// (`stop-node`: SIGTERM, clients get `connection.close`) or by a crash (`kill-node`: SIGKILL).
    @Suite(.needsServices) struct BrokerClusterTests {
        @Test(arguments: ["stop-node", "kill-node"])
        func aNodeStoppedMidBackupLosesNeitherTheCompletedNorACall(_ stop: String) async throws {
            let cluster = try await SharedBrokerCluster.shared.whole()
            let url = try cluster.value("AMQP_CLUSTER_URL")
            let ports = try cluster.value("AMQP_PORTS").split(separator: ",").compactMap { Int($0) }
            try #require(ports.count == 3)
            try await BackupTestSession.run(port: ports[0], peerOptions: ["--quorum"], brokerURL: url) { session in
                // The node that matters holds the most: the leader of the conductor's quorum queue (a quorum
                // queue's leader starts on the node of the connection that declared it, here the conductor's,
                // which oslo.messaging picks at random), the agent's connections (the agent takes the first
                // node of its URL: unlike oslo.messaging it does not shuffle), and so the leader of the queue
                // the agent declares and consumes from.
                let down = try #require(try await Self.queues(of: cluster)[session.conductorTopic]?.leader.nodeIndex)
                let agentOrder = [down] + (1...3).filter { $0 != down }
                let agentURL = "rabbit://" + agentOrder.map { "guest:guest@127.0.0.1:\(ports[$0 - 1])" }
                    .joined(separator: ",") + "/"
                let source = try await session.preparedInstance(config: [
                    "DEFAULT": ["transport_url": agentURL],
                    "oslo_messaging_rabbit": ["rabbit_quorum_queue": "True"],
                ])
                try await session.insertRows(1000, into: "SAMPLE", of: source)
                let consuming = try await source.daemon.waitForLog("consuming RPC")
                #expect(consuming.line.contains("127.0.0.1:\(ports[down - 1])"), "\(consuming.line)")
                let queues = try await Self.queues(of: cluster)
                #expect(queues[source.daemon.topic]?.type == "quorum", "\(queues)")
                #expect(queues[session.conductorTopic]?.type == "quorum", "\(queues)")
                #expect(queues[source.daemon.topic]?.leader.nodeIndex == down, "\(queues)")

                try await source.fault(["add", "--match", "BACKUP DATABASE SAMPLE", "--at", "after-data", "--hang", "120"])
                let id = UUID().uuidString.lowercased()
                try await source.createBackup(id: id, context: try await session.context())
                try await waitFor("the backup runs") { source.faultFired(matching: "BACKUP DATABASE SAMPLE") > 0 }
                _ = try await session.conductor.waitForCall("BUILDING") {
                    $0["method"] == "update_backup" && $0["args"]?["state"] == "BUILDING"
                }

                // The node stops with the backup held, and the backup is released at once: it finishes, and its
                // COMPLETED is published, while the agent fails over and the queues elect new leaders.
                let beforeStop = source.daemon.logs.allLines.count
                try await cluster.command(stop, [String(down)])
                try await source.fault(["clear"])
                // Calls made meanwhile are answered: they wait in the replicated queue until the agent is back.
                #expect(try await source.client.call("rpc_ping")["result"] == true)
                #expect(try await Self.databaseNames(source) == ["SAMPLE"])
                let reconnected = try await source.daemon.waitForLog("consuming RPC", after: beforeStop)
                #expect(!reconnected.line.contains("127.0.0.1:\(ports[down - 1])"), "\(reconnected.line)")

                // COMPLETED reaches the conductor once, with the stored object's checksum.
                let end = try await session.waitForEnd(id, timeout: 120)
                #expect(end["state"] == "COMPLETED", "\(end)")
                let stored = try await session.swift.head(container: session.container, object: "\(id).gz.enc")
                #expect(stored.etag == end["checksum"]?.stringValue)
                // Exactly once: the agent has forgotten the backup (nothing left to resend) and two heartbeats
                // it published after the COMPLETED, through the same connection into the same queue, arrived
                // behind it.
                try await waitFor("the journal is empty") {
                    ((try? FileManager.default.contentsOfDirectory(atPath: source.root.path + "/state/operations")) ?? [])
                        .isEmpty
                }
                try await waitFor("two heartbeats after the COMPLETED") {
                    Self.heartbeatsAfterCompleted(id, of: source, in: session.conductor.received) >= 2
                }
                #expect(session.states(id) == ["BUILDING", "COMPLETED"])
                let moved = try await Self.queues(of: cluster, askingNode: agentOrder[1])
                #expect(moved[session.conductorTopic]?.leader.nodeIndex != down, "new leaders: \(moved)")
                #expect(moved[source.daemon.topic]?.leader.nodeIndex != down, "new leaders: \(moved)")

                // And calls are still answered afterwards, with the node still down.
                #expect(try await source.client.call("rpc_ping")["result"] == true)
                #expect(try await Self.databaseNames(source) == ["SAMPLE"])
                #expect(await source.daemon.stop() == 0)
            }
        }

        /// `list_queues name type leader` as node `node` of the cluster sees it.
        static func queues(of cluster: ScriptedService, askingNode node: Int = 1) async throws
            -> [String: (type: String, leader: String)]
        {
            let output = try await cluster.command(
                "ctl", [String(node), "list_queues", "--quiet", "--formatter", "json", "name", "type", "leader"])
            guard case .array(let rows) = try JSONParser.parse(output) else {
                throw BackupTestFailure("list_queues printed \(output)")
            }
            var queues: [String: (type: String, leader: String)] = [:]
            for row in rows {
                guard let name = row["name"]?.stringValue else { continue }
                queues[name] = (row["type"]?.stringValue ?? "", row["leader"]?.stringValue ?? "")
            }
            return queues
        }

        /// The database names `list_databases` answers.
        static func databaseNames(_ instance: BackupTestInstance) async throws -> [String] {
            let listed = try await instance.client.call(
                "list_databases", ["limit": nil, "marker": nil, "include_marker": false])
            return listed["result"]?.arrayValue?.first?.arrayValue?.compactMap { $0["_name"]?.stringValue } ?? []
        }

        /// How many heartbeats of `instance` the conductor received after the first COMPLETED of backup `id`.
        static func heartbeatsAfterCompleted(_ id: String, of instance: BackupTestInstance, in received: [JSONValue]) -> Int {
            guard
                let completed = received.firstIndex(where: {
                    $0["method"] == "update_backup" && $0["args"]?["backup_id"]?.stringValue == id
                        && $0["args"]?["state"] == "COMPLETED"
                })
            else { return 0 }
            return received[(completed + 1)...].filter {
                $0["method"] == "heartbeat" && $0["args"]?["instance_id"]?.stringValue == instance.guestID
            }.count
        }
    }
}

extension String {
    /// The number of a cluster node from its name (`rabbit-2@localhost` → 2, as `scripts/rabbitmq` names them).
    fileprivate var nodeIndex: Int? {
        guard hasPrefix("rabbit-"), let at = firstIndex(of: "@") else { return nil }
        return Int(self[index(startIndex, offsetBy: "rabbit-".count)..<at])
    }
}
