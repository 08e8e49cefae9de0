extension ContinuousClock.Instant {
    /// Nanoseconds from this instant to now, for timers and latency guardrails.
    var nanosecondsElapsed: UInt64 {
        let elapsed = (ContinuousClock.now - self).components
        return UInt64(elapsed.seconds) * 1_000_000_000 + UInt64(elapsed.attoseconds / 1_000_000_000)
    }
}
