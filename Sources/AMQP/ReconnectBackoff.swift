/// Capped exponential backoff with full jitter between connection attempts, as oslo's
/// `rabbit_retry_interval` / `rabbit_retry_backoff` / `rabbit_interval_max` describe it.
public struct ReconnectBackoff: Sendable, Equatable {
    /// The first delay, in seconds.
    public var initial: Double
    /// Added to the delay after each failed attempt (oslo's linear `rabbit_retry_backoff`), then doubled by `factor`.
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
