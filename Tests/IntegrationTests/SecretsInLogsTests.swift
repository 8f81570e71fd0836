import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// A whole guest's life at debug level, over Trove's encrypted RPC, with every kind of secret the agent is
    /// given: the broker password, `instance_rpc_encr_key`, the backup AES key, the user's Swift token and OS
    /// users' passwords. None of them may appear in any line either agent logged.
    @Suite(.needsServices) struct SecretsInLogsTests {
        static let rpcKey = "secret-rpc-key-5f1c9e2a7b"

        @Test func aFullRunAtDebugLevelLogsNoSecret() async throws {
            let (brokerUser, brokerPassword) = try TestEnvironment.amqpAgentCredentials()
            try await BackupTestSession.run(peerOptions: ["--key", Self.rpcKey]) { session in
                let config: [String: [String: String]] = [
                    "DEFAULT": [
                        "transport_url": "rabbit://\(brokerUser):\(brokerPassword)@127.0.0.1:\(session.port)/",
                        "instance_rpc_encr_key": Self.rpcKey, "debug": "true",
                    ]
                ]
                let (prepareLogin, createLogin) = (uniqueLogin(), uniqueLogin())
                do {
                    try await fullRun(session, config: config, logins: (prepareLogin, createLogin), brokerPassword: brokerPassword)
                } catch {
                    await removeTestAccount(prepareLogin)
                    await removeTestAccount(createLogin)
                    throw error
                }
                await removeTestAccount(prepareLogin)
                await removeTestAccount(createLogin)
            }
        }

        private func fullRun(
            _ session: BackupTestSession, config: [String: [String: String]], logins: (prepare: String, create: String),
            brokerPassword: String
        ) async throws {
            let (prepareLogin, createLogin) = logins
            let (preparePassword, createPassword) = ("Prep4red-pw-\(UUID().uuidString.prefix(6))", "Cr3ated-pw-\(UUID().uuidString.prefix(6))")

            // prepare with a database and a user, then one more user through create_user.
            let source = try await session.instance(config: config)
            try await source.start()
            let status = try await source.prepare(
                databases: ["SAMPLE"],
                users: [TroveDicts.user(prepareLogin, password: preparePassword, databases: ["SAMPLE"])],
                conductor: session.conductor)
            #expect(status == "running")
            let created = try await source.client.call(
                "create_user", ["users": [TroveDicts.user(createLogin, password: createPassword, databases: ["SAMPLE"])]],
                timeout: 60)
            #expect(created["ok"] == true, "\(created)")
            let users = try await source.client.call("list_users", ["limit": nil, "marker": nil, "include_marker": false], timeout: 60)
            #expect(Set(TroveDicts.names(users["result"].item(0))) == [prepareLogin, createLogin])

            // A backup with the AES key and the user's token, restored into a second guest.
            try await source.succeed(
                "db2 connect to SAMPLE >/dev/null && db2 \"create table ROWS (id integer not null)\" >/dev/null")
            try await session.insertRows(100, into: "SAMPLE", of: source)
            let (token, storageURL) = try await session.swift.authenticate()
            let context = session.swift.context(token: token, storageURL: storageURL)
            let (id, end) = try await session.backup(source, context: context)
            #expect(end["state"] == "COMPLETED", "\(end)")
            let target = try await session.instance(config: config)
            try await target.start()
            let restored = try await target.prepare(
                databases: [], backupInfo: BackupTestSession.restoreInfo(id, end, for: target), context: context,
                conductor: session.conductor)
            #expect(restored == "running")
            #expect(try await target.ids(in: "ROWS", database: "SAMPLE") == Array(1...100))
            #expect(await source.daemon.stop() == 0)
            #expect(await target.daemon.stop() == 0)

            let secrets = [
                "broker password": brokerPassword, "instance_rpc_encr_key": Self.rpcKey,
                "backup AES key": BackupTestInstance.aesKey, "Swift token": token,
                "password given to prepare": preparePassword, "password given to create_user": createPassword,
            ]
            for (name, daemon) in [("source", source.daemon), ("target", target.daemon)] {
                let log = daemon.logText
                #expect(log.contains(" DEBUG ["), "the \(name) agent logged at debug level")
                #expect(log.contains("request_id="), "requests were decrypted and logged with their ids")
                for (what, secret) in secrets {
                    #expect(!log.contains(secret), "the \(name) agent's log holds the \(what)")
                }
            }
        }
    }
}
