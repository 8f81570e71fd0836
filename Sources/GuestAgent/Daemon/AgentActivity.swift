import Synchronization

/// What the agent is doing right now, in a few words (`idle`, `online backup 3f2c…: 41% 180 MB/s`): shown by
/// systemd as the unit's status line and logged at shutdown.
public final class AgentActivity: ActivityReporting {
    private let current = Mutex("starting")
    private let onChange: @Sendable (String) -> Void

    public init(onChange: @escaping @Sendable (String) -> Void = { _ in }) { self.onChange = onChange }

    public var description: String { current.withLock { $0 } }

    public func set(_ text: String) {
        let changed = current.withLock { value in
            defer { value = text }
            return value != text
        }
        if changed { onChange(text) }
    }
}
