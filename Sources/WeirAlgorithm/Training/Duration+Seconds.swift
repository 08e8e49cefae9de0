extension Duration {
    /// The duration in seconds, for throughput and progress lines.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
