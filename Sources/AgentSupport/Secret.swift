/// A value that must never reach a log line or an error message: passwords, AES keys, tokens.
///
/// Every textual form (`description`, `debugDescription`, string interpolation, `dump`) prints `***`;
/// only ``revealed`` gives the value, at the one place that hands it to a library or a peer.
public struct Secret<Value: Sendable & Equatable>: Sendable, Equatable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    /// The real value. Read it only where it leaves the process (a login, a cipher, an HTTP header).
    public let revealed: Value

    public init(_ value: Value) { self.revealed = value }

    public var description: String { "***" }
    public var debugDescription: String { "Secret(***)" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
