/// The state of the DB2 instance, as the heartbeat reports it.
public enum InstanceStatus: String, Sendable, Equatable {
    /// `db2sysc` runs for the owner and the instance answers.
    case running
    /// No `db2sysc` runs for the owner.
    case shutdown
    /// `db2sysc` runs but the instance does not answer (or answers that it is not started).
    case crashed
    /// The instance answers but is quiesced (`QUIESCE INSTANCE`) while no offline backup of the agent's holds it:
    /// applications are refused (SQL20157N) until someone runs `UNQUIESCE INSTANCE`.
    case quiesced
}
