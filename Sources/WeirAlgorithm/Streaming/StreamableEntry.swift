/// What the catalogue knows of an algorithm's online operator: its name in topologies,
/// its setting keys, a check of its settings, and the algorithm type the stream's generic
/// operator is built over.
public struct StreamableEntry: Sendable {
    public let operatorName: String
    public let settingKeys: [String]
    public let settingAliases: [String: String]
    public let algorithm: any Streamable.Type
    let checkSettings: @Sendable (OperatorConfig) throws(OperatorConfigError) -> Bool

    init<S: Streamable>(_ type: S.Type, operatorName: String) {
        self.operatorName = operatorName
        settingKeys = S.settingKeys
        settingAliases = S.settingAliases
        algorithm = type
        checkSettings = { config throws(OperatorConfigError) in S.modelFree(settings: try S.settings(config)) != nil }
    }

    /// Reads the settings as the operator will, so a topology is refused when it is loaded;
    /// true when the operator runs without a model under them.
    @discardableResult
    public func check(_ config: OperatorConfig) throws(OperatorConfigError) -> Bool {
        try checkSettings(config)
    }
}
