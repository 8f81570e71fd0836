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
        if try await fileExists(path) { return }
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

    // MARK: - Files under the mount point

    // The mount point is the instance owner's: every file here is reached through a descriptor of its directory
    // (``DirectoryHandle``), so a symbolic link the owner planted (`<mount>/overrides -> /etc`, a file linked to
    // `/etc/shadow`) is refused, never followed by root; a file is replaced by a rename, never written through.

    /// Whether there is an entry at `path` (a link counts: it is refused when read).
    nonisolated func fileExists(_ path: String) async throws(DB2Error) -> Bool {
        let (directory, name) = Self.split(path)
        let result: Result<Bool, PathFailure> = await BlockingThreadPool.shared.run {
            Result { () throws(PathFailure) in
                guard let parent = try Self.openExisting(directory) else { return false }
                return try parent.status(of: name) != nil
            }
        }
        return try Self.fileStep(result, step: "look for \(path)")
    }

    /// The text of the file at `path`, or nil when there is none.
    nonisolated func readFile(_ path: String) async throws(DB2Error) -> String? {
        let (directory, name) = Self.split(path)
        let result: Result<String?, PathFailure> = await BlockingThreadPool.shared.run {
            Result { () throws(PathFailure) in
                guard let parent = try Self.openExisting(directory),
                    let bytes = try parent.readFile(name, limit: Self.fileSizeLimit)
                else { return nil }
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        return try Self.fileStep(result, step: "read \(path)")
    }

    /// Writes a file atomically and durably, mode 0640 (owned by the instance owner when the agent is root).
    func writeFile(_ path: String, _ text: String, step: String) async throws(DB2Error) {
        let owner = executor.owner
        let asRoot = geteuid() == 0
        let (directory, name) = Self.split(path)
        let result: Result<Void, PathFailure> = await BlockingThreadPool.shared.run {
            Result { () throws(PathFailure) in
                try DirectoryHandle.open(directory).replaceFile(
                    name, contents: Array(text.utf8), mode: 0o640, uid: asRoot ? owner.uid : nil,
                    gid: asRoot ? owner.gid : nil)
            }
        }
        try Self.fileStep(result, step: step)
    }

    func removeFile(_ path: String) async throws(DB2Error) {
        let (directory, name) = Self.split(path)
        let result: Result<Void, PathFailure> = await BlockingThreadPool.shared.run {
            Result { () throws(PathFailure) in try Self.openExisting(directory)?.removeFile(name) }
        }
        try Self.fileStep(result, step: "remove \(path)")
    }

    /// The agent's files here are a few KiB; a bigger one is not the agent's.
    static let fileSizeLimit = 1 << 20

    /// `/a/b/c` → (`/a/b`, `c`).
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("/", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// The directory at `path`, or nil when it does not exist.
    static func openExisting(_ path: String) throws(PathFailure) -> DirectoryHandle? {
        do throws(PathFailure) { return try DirectoryHandle.open(path) } catch {
            if error.code == ENOENT { return nil }
            throw error
        }
    }

    /// The value of a file step, or its failure as a ``DB2Error`` `.fileSystem`.
    @discardableResult
    static func fileStep<T>(_ result: Result<T, PathFailure>, step: String) throws(DB2Error) -> T {
        switch result {
        case .success(let value): return value
        case .failure(let failure): throw DB2Error(.fileSystem, step: step, detail: failure.description)
        }
    }
}
