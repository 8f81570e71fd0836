/// The named states of one backup, in the order it goes through them. The journal records each state before the
/// work it names starts, so after a crash the next start knows exactly what was, and what may have been, done:
///
/// | state | entered | after a crash, the next start |
/// |---|---|---|
/// | ``accepted`` | first, before `BUILDING` | reports `FAILED` (nothing was written) |
/// | ``checking`` | recoverability, size estimates, free space | reports `FAILED` |
/// | ``quiescing`` | offline: before `QUIESCE INSTANCE` | runs `UNQUIESCE INSTANCE`, then as ``streaming`` |
/// | ``streaming`` | images written, packed and uploaded | deletes the partial upload and images, reports `FAILED` |
/// | ``stored`` | the store verified every segment and the manifest; the `COMPLETED` report is recorded | removes the archived logs the backup carries and the images, reports `COMPLETED` |
/// | ``cleanedLocally`` | carried logs and images removed | reports `COMPLETED` |
/// | ``failed`` | the `FAILED` report is recorded | deletes the partial upload (again, until gone), reports `FAILED` unless it was |
/// | ``storeCleaned`` | the partial upload is gone | reports `FAILED` unless it was |
///
/// Nothing irreversible happens before the state that allows it is journaled: archived logs are deleted only in
/// ``stored`` (the backup that carries them is verified), an upload only in ``failed``. The record is removed
/// once the final report reached the conductor's queue and nothing is left to clean.
public enum BackupState: String, Sendable, CaseIterable {
    case accepted
    case checking
    case quiescing
    case streaming
    case stored
    case cleanedLocally = "cleaned-locally"
    case failed
    case storeCleaned = "store-cleaned"

    /// The backup's work was still under way: a crash here means the backup failed half-way.
    public var isUnfinished: Bool {
        switch self {
        case .accepted, .checking, .quiescing, .streaming: true
        case .stored, .cleanedLocally, .failed, .storeCleaned: false
        }
    }

    /// The test hook's name of the point right after this state is journaled (`TROVE_DB2_AGENT_CRASH_AT`).
    var crashPoint: String { "backup:\(rawValue)" }
}
