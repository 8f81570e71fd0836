/// The state of the DB2 instance, as the heartbeat reports it.
public enum InstanceStatus: String, Sendable, Equatable {
    /// `db2sysc` runs for the owner and the instance answers.
    case running
    /// No `db2sysc` runs for the owner.
    case shutdown
    /// `db2sysc` runs but the instance does not answer (or answers that it is not started).
    case crashed
}
