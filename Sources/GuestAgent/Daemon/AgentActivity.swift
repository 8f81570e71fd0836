import Synchronization

/// What the agent is doing right now, in a few words (`idle`, `online backup 3f2c…: 41% 180 MB/s`), and what its
/// background work says (`log shipping: 2 files behind, oldest 40 s`): shown by systemd as the unit's status line
/// and logged at shutdown.
public final class AgentActivity: ActivityReporting {
    private let current = Mutex((foreground: "starting", background: ""))
    private let onChange: @Sendable (String) -> Void

    public init(onChange: @escaping @Sendable (String) -> Void = { _ in }) { self.onChange = onChange }

    public var description: String { current.withLock { Self.line($0) } }

    public func set(_ text: String) { change { $0.foreground = text } }

    /// The background part of the line (empty: nothing to say).
    public func setBackground(_ text: String) { change { $0.background = text } }

    private func change(_ body: (inout (foreground: String, background: String)) -> Void) {
        let changed = current.withLock { value -> String? in
            let before = Self.line(value)
            body(&value)
            let after = Self.line(value)
            return after == before ? nil : after
        }
        if let changed { onChange(changed) }
    }

    private static func line(_ value: (foreground: String, background: String)) -> String {
        value.background.isEmpty ? value.foreground : "\(value.foreground); \(value.background)"
    }
}
