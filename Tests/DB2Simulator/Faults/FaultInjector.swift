import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Applies the rules of the fault control file at the checkpoints commands pass. Only tests write the file (through
/// `db2sim fault`); DB2's own interfaces never see it.
struct FaultInjector: Sendable {
    let layout: InstanceLayout

    /// What a fired rule asks the caller to do itself.
    enum Effect: Equatable {
        /// Writes of a backup image fail with ENOSPC after this many bytes.
        case diskFullAfter(Int64)
    }

    /// Fires the first matching rule for `command` at `point`: throws its failure, hangs, kills the process, or
    /// returns an effect for the caller.
    ///
    /// - Throws: ``DB2Failure`` for a `fail` rule.
    @discardableResult
    func checkpoint(_ point: FaultRule.Point, command: String) throws -> Effect? {
        guard FileSystem.exists(layout.faultFile) else { return nil }
        let fired: FaultRule? = try withFileLock(layout.faultLockFile, .exclusive) {
            var control = try load()
            guard let index = control.rules.firstIndex(where: { $0.remaining > 0 && $0.at == point && $0.matches(command) })
            else { return nil }
            control.rules[index].remaining -= 1
            control.rules[index].fired += 1
            try save(control)
            return control.rules[index]
        }
        guard let rule = fired else { return nil }
        switch rule.action {
        case .fail:
            throw DB2Failure(DB2Message(rule.message ?? "SQL0902C", tokens: rule.tokens))
        case .hang:
            let deadline = DB2Time.now() + Int64((rule.seconds ?? 0) * 1_000_000)
            while DB2Time.now() < deadline, isPresent(rule.id) { usleep(50_000) }
            return nil
        case .kill:
            kill(getpid(), SIGKILL)
            return nil
        case .diskFull:
            return .diskFullAfter(rule.bytes ?? 0)
        }
    }

    /// Adds a rule and returns it with its identifier.
    func add(_ rule: FaultRule) throws -> FaultRule {
        try withFileLock(layout.faultLockFile, .exclusive) {
            var control = try load()
            var rule = rule
            rule.id = control.nextID
            control.nextID += 1
            control.rules.append(rule)
            try save(control)
            return rule
        }
    }

    func rules() throws -> [FaultRule] {
        try withFileLock(layout.faultLockFile, .shared) { try load().rules }
    }

    /// Removes one rule, or all; a command hanging on a removed rule carries on.
    func clear(id: Int?) throws {
        try withFileLock(layout.faultLockFile, .exclusive) {
            var control = try load()
            control.rules.removeAll { id == nil || $0.id == id }
            try save(control)
        }
    }

    /// True while rule `id` is in the control file; an unreadable file ends the hang (it cannot be released).
    private func isPresent(_ id: Int) -> Bool {
        (try? withFileLock(layout.faultLockFile, .shared) { try load().rules.contains { $0.id == id } }) ?? false
    }

    private func load() throws -> FaultControlFile {
        guard FileSystem.exists(layout.faultFile) else { return FaultControlFile() }
        return try JSONDecoder().decode(FaultControlFile.self, from: Data(try FileSystem.read(layout.faultFile)))
    }

    private func save(_ control: FaultControlFile) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try FileSystem.writeAtomically(Array(try encoder.encode(control)), to: layout.faultFile)
    }
}
