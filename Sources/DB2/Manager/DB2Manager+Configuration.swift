import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

extension DB2Manager {
    /// `update_overrides`: applies the overrides to the DBM configuration and stores them (merged with the stored
    /// ones); with `remove`, resets every stored override to its value before any override and deletes the store.
    ///
    /// - Throws: ``DB2Error`` for the first parameter DB2 refuses (the ones before it stay applied, and stored).
    public func updateOverrides(_ overrides: [ConfigurationOverride], remove: Bool) async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in
            try await captureDefaultConfiguration()
            if remove {
                let stored = try await readStoredOverrides()
                let defaults = try await defaultConfiguration()
                var resets: [ConfigurationOverride] = []
                for parameter in stored.keys.sorted() {
                    guard let value = defaults[parameter: parameter] else {
                        logger.warning("no default for a stored override; left as it is", metadata: ["db2.parameter": "\(parameter)"])
                        continue
                    }
                    resets.append(try ConfigurationOverride(parameter: parameter, value: ConfigurationListing.updatable(value)))
                }
                try await applyToInstance(resets)
                try await removeFile(configuration.overridesFile)
                return
            }
            var stored = try await readStoredOverrides()
            do throws(DB2Error) {
                try await applyToInstance(overrides) { applied in stored[applied.parameter] = applied.value }
            } catch {
                try await storeOverrides(stored)
                throw error
            }
            try await storeOverrides(stored)
        }
    }

    /// `apply_overrides`: applies the overrides without storing them.
    public func applyOverrides(_ overrides: [ConfigurationOverride]) async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in
            try await captureDefaultConfiguration()
            try await applyToInstance(overrides)
        }
    }

    /// `reset_configuration` / the first half of `start_db_with_conf_changes`: saves `config_contents` (DB2's
    /// template is empty; nothing reads it but the next reset).
    public func saveConfiguration(_ contents: String) async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in
            try await writeFile(configuration.configurationFile, contents, step: "save the configuration")
        }
    }

    /// The stored overrides (parameter → value).
    public nonisolated func storedOverrides() async throws(DB2Error) -> [String: String] {
        try await readStoredOverrides()
    }

    /// `GET DATABASE MANAGER CONFIGURATION`.
    public nonisolated func instanceConfiguration() async throws(DB2Error) -> ConfigurationListing {
        let transcript = try await executor.clpChecked(
            ["GET DATABASE MANAGER CONFIGURATION"], step: "GET DATABASE MANAGER CONFIGURATION",
            timeout: configuration.commandTimeout)
        return ConfigurationListing(transcript.statements.first?.output ?? "")
    }

    /// Applies each override in its own `UPDATE DBM CFG` statement, in one CLP job; `applied` sees each success.
    func applyToInstance(
        _ overrides: [ConfigurationOverride], applied: (ConfigurationOverride) -> Void = { _ in }
    ) async throws(DB2Error) {
        guard !overrides.isEmpty else { return }
        let statements = overrides.map { "UPDATE DATABASE MANAGER CONFIGURATION USING \($0.parameter) \($0.value)" }
        let transcript = try await executor.clp(
            statements, step: "UPDATE DATABASE MANAGER CONFIGURATION", timeout: configuration.commandTimeout)
        for (override, statement) in zip(overrides, transcript.statements) where statement.succeeded {
            applied(override)
            logger.info("DBM parameter set", metadata: ["db2.parameter": "\(override.parameter)", "db2.value": "\(override.value)"])
        }
        try transcript.check(step: "UPDATE DATABASE MANAGER CONFIGURATION")
    }

    /// Saves `GET DBM CFG` to `db2_default_dbm.cfg` once, before the first override (Trove's default copy).
    func captureDefaultConfiguration() async throws(DB2Error) {
        let path = configuration.defaultDBMConfigurationFile
        if await BlockingThreadPool.shared.run({ FileManager.default.fileExists(atPath: path) }) { return }
        let transcript = try await executor.clpChecked(
            ["GET DATABASE MANAGER CONFIGURATION"], step: "save the default DBM configuration",
            timeout: configuration.commandTimeout)
        try await writeFile(path, transcript.statements.first?.output ?? "", step: "save the default DBM configuration")
    }

    func defaultConfiguration() async throws(DB2Error) -> ConfigurationListing {
        ConfigurationListing(try await readFile(configuration.defaultDBMConfigurationFile) ?? "")
    }

    nonisolated func readStoredOverrides() async throws(DB2Error) -> [String: String] {
        guard let text = try await readFile(configuration.overridesFile) else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[line[..<equals].trimmingBlanks().uppercased()] = line[line.index(after: equals)...].trimmingBlanks()
        }
        return values
    }

    func storeOverrides(_ values: [String: String]) async throws(DB2Error) {
        try await ensureOwnedDirectory(configuration.overridesDirectory, mode: 0o750, step: "store the overrides")
        let text = values.keys.sorted().map { "\($0)=\(values[$0] ?? "")\n" }.joined()
        try await writeFile(configuration.overridesFile, text, step: "store the overrides")
    }

    nonisolated func readFile(_ path: String) async throws(DB2Error) -> String? {
        let result: Result<String?, DB2Error> = await BlockingThreadPool.shared.run {
            guard FileManager.default.fileExists(atPath: path) else { return .success(nil) }
            do { return .success(try String(contentsOfFile: path, encoding: .utf8)) } catch {
                return .failure(DB2Error(.fileSystem, step: "read \(path)", detail: "\(error)"))
            }
        }
        return try result.get()
    }

    /// Writes a file atomically (owned by the instance owner when the agent is root).
    func writeFile(_ path: String, _ text: String, step: String) async throws(DB2Error) {
        let owner = executor.owner
        let result: Result<Void, DB2Error> = await BlockingThreadPool.shared.run {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                if geteuid() == 0 { _ = chown(path, owner.uid, owner.gid) }
                return .success(())
            } catch {
                return .failure(DB2Error(.fileSystem, step: step, detail: "cannot write \(path): \(error)"))
            }
        }
        try result.get()
    }

    func removeFile(_ path: String) async throws(DB2Error) {
        let result: Result<Void, DB2Error> = await BlockingThreadPool.shared.run {
            if unlink(path) != 0, errno != ENOENT {
                return .failure(DB2Error(.fileSystem, step: "remove \(path)", detail: String(cString: strerror(errno))))
            }
            return .success(())
        }
        try result.get()
    }
}
