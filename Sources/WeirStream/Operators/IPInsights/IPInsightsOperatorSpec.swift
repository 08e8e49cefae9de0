/// The `ip_insights` operator's settings: where the model comes from, which fields hold
/// the entity and the address, how the fraud threshold is set, and what happens to
/// entities the model was not trained on.
public struct IPInsightsOperatorSpec: Sendable, Equatable {
    /// What happens to a login whose entity the model was not trained on. Its embedding
    /// row belongs to another entity or to nobody (hashing), so its score means nothing.
    public enum UnseenEntityPolicy: String, Sendable, Equatable, CaseIterable {
        /// Emitted unscored, with `known_entity: false` (the default).
        case skip
        /// As `skip`, and also sent to the alert variant with `alert_reason: unseen_entity`.
        case alert
        /// Scored like any other (SageMaker's behaviour).
        case score
        /// Sent to the dead-letter sink with the reason.
        case deadLetter = "dead_letter"
    }

    public var model: ServedModelSource
    public var entityField = "user"
    public var ipField = "remote_addr"
    /// Overrides the model's calibrated false-positive rate.
    public var falsePositiveRate: Double?
    /// An absolute score threshold, overriding calibration.
    public var threshold: Double?
    public var unseenEntity = UnseenEntityPolicy.skip
    /// The variant alert copies carry (sinks with `variant: alert` take them); nil: no copies.
    public var alertVariant: String? = "alert"
    /// How often a model file is checked for a new version.
    public var reloadIntervalMs = 1_000

    public init(model: ServedModelSource) {
        self.model = model
    }
}
