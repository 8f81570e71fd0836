/// Where a long operation says, in a few words, what it is doing now (`online backup 3f2c…: 41% 180 MB/s`, `idle`).
/// The daemon's ``AgentActivity`` shows it as systemd's status line; the jobs know nothing more of the daemon.
public protocol ActivityReporting: Sendable {
    func set(_ text: String)
}
