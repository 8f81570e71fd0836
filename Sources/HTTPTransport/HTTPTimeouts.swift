/// Time limits of one transfer.
///
/// A stall limit rather than a total one suits streaming transfers of gigabytes: the transfer may take as long
/// as it needs while bytes keep moving.
public struct HTTPTimeouts: Sendable, Equatable {
    /// Limit for establishing the TCP (and TLS) connection.
    public var connect: Duration
    /// The transfer fails when less than one byte per second moved over this long (`nil`: no limit). Time spent
    /// waiting inside the request body's reader counts as stalled.
    public var stall: Duration?
    /// Limit for the whole transfer (`nil`: none).
    public var total: Duration?

    public init(connect: Duration = .seconds(10), stall: Duration? = .seconds(120), total: Duration? = nil) {
        self.connect = connect
        self.stall = stall
        self.total = total
    }

    /// 10 s to connect, fail after 120 s without progress, no total limit.
    public static let `default` = HTTPTimeouts()
}
