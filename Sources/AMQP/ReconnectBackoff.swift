/// Capped exponential backoff with jitter between connection attempts: the first wait is about `initial`
/// (oslo's `rabbit_retry_interval`), each further one `factor` times longer, never more than `maximum`
/// (`rabbit_interval_max`).
public struct ReconnectBackoff: Sendable, Equatable {
    /// The first delay, in seconds.
    public var initial: Double
    /// How much longer each wait is than the one before.
    public var factor: Double
    /// The cap, in seconds.
    public var maximum: Double

    public init(initial: Double = 1, factor: Double = 2, maximum: Double = 30) {
        self.initial = initial
        self.factor = factor
        self.maximum = maximum
    }

    /// The upper bound of the delay before attempt number `attempt` (0 = the first retry).
    public func ceiling(attempt: Int) -> Double {
        var delay = initial
        for _ in 0..<min(attempt, 64) {
            delay *= factor
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }

    /// A delay drawn uniformly from [ceiling/2, ceiling]: spread out so that many guests do not reconnect to a
    /// restarted broker at the same instant, yet never much shorter than the schedule.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Double {
        let top = ceiling(attempt: attempt)
        return Double.random(in: (top / 2)...top, using: &generator)
    }
}
