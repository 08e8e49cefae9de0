import WeirRCF

/// The input count of a forest file, for envelopes published without feature names.
enum RandomCutForestInputs {
    static func count(_ payload: [UInt8], name: String) throws -> Int {
        try RandomCutForest(encoded: payload, name: name).configuration.dimensions
    }
}
