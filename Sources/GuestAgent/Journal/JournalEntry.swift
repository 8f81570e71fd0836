import AgentSupport
import Logging
import OsloRPC

/// The journal record of one operation, kept current as it moves from state to state, and removed once the
/// operation is over: its final report reached the conductor's queue and nothing is left to clean.
///
/// The first ``save()`` must succeed (an operation that cannot be journaled is not started: a crash would go
/// unnoticed). ``enter(_:step:_:)`` says whether the new state reached the disk, so that a caller does nothing
/// irreversible on a state that is not journaled; step updates are best effort and only logged when they fail.
actor JournalEntry {
    private(set) var record: OperationRecord
    private let journal: OperationJournal
    private let logger: Logger
    private var removed = false

    init(_ record: OperationRecord, journal: OperationJournal, logger: Logger) {
        self.record = record
        self.journal = journal
        self.logger = logger
    }

    /// The current step.
    var step: String { record.step }

    /// Writes the record.
    ///
    /// - Throws: ``OperationJournalError``.
    func save() async throws {
        try await journal.write(record)
        if let state = record.backupState { CrashPoints.reach(state.crashPoint) }
    }

    /// Moves a backup to `state` (and `step`, and whatever `change` sets) and journals it.
    ///
    /// - Returns: whether the record reached the disk.
    @discardableResult
    func enter(
        _ state: BackupState, step: String? = nil, _ change: @Sendable (inout OperationRecord) -> Void = { _ in }
    ) async -> Bool {
        record.state = state.rawValue
        if let step { record.step = step }
        change(&record)
        let written = await write()
        CrashPoints.reach(state.crashPoint)
        return written
    }

    /// Records the step now running.
    func update(step: String) async {
        record.step = step
        await write()
    }

    /// Changes the record (a flag, the context) and journals it.
    @discardableResult
    func update(_ change: @Sendable (inout OperationRecord) -> Void) async -> Bool {
        change(&record)
        return await write()
    }

    /// The final report reached the conductor's queue: the record goes if nothing is left to clean.
    func markReported() async {
        record.reported = true
        if let state = record.backupState, state == .cleanedLocally || state == .storeCleaned {
            await remove()
        } else {
            await write()
        }
    }

    /// The partial upload is gone: the record goes if the report was delivered.
    func markStoreCleaned() async {
        record.state = BackupState.storeCleaned.rawValue
        if record.reported { await remove() } else { await write() }
        CrashPoints.reach(BackupState.storeCleaned.crashPoint)
    }

    /// Removes the record: the operation is over and reported.
    func remove() async {
        removed = true
        do { try await journal.remove(kind: record.kind, id: record.id) } catch {
            logger.warning("operation journal not updated", metadata: ["error": "\(error)"])
        }
    }

    @discardableResult
    private func write() async -> Bool {
        guard !removed else { return true }
        do {
            try await journal.write(record)
            return true
        } catch {
            logger.warning("operation journal not updated", metadata: ["error": "\(error)"])
            return false
        }
    }
}
