import Foundation
import TestSupport

/// The three-node RabbitMQ cluster the cluster tests share (`scripts/rabbitmq start-cluster`), started by the
/// first test that needs it in `scripts/test`'s state directory and stopped by `scripts/test` at the end: starting a
/// cluster takes far longer than bringing one stopped node back.
actor SharedBrokerCluster {
    static let shared = SharedBrokerCluster()
    /// One start for every caller (an actor method is re-entered while it awaits: the task is the guard).
    private var starting: Task<ScriptedService, any Error>?

    /// The cluster with every node running (a node an earlier test stopped is started again first).
    ///
    /// - Throws: ``TestEnvironment/Missing`` when the tests were not started by `scripts/test`.
    func whole() async throws -> ScriptedService {
        let task = starting ?? Task { try await Self.start() }
        starting = task
        let cluster = try await task.value
        let size = Int(try cluster.value("CLUSTER_SIZE")) ?? 0
        for node in 1...max(size, 1) { try await cluster.command("start-node", [String(node)]) }
        return cluster
    }

    private static func start() async throws -> ScriptedService {
        let script = ScriptedService.script("rabbitmq")
        let directory = URL(fileURLWithPath: try TestEnvironment.require("TEST_STATE_DIR") + "/rabbitmq-cluster")
        let result = try await ProcessRunner.run(script, ["start-cluster", directory.path, "3"])
        guard result.succeeded else { throw BackupTestFailure("the tests' RabbitMQ cluster did not start: \(result.stderr)") }
        return try ScriptedService(script: script, directory: directory)
    }
}
