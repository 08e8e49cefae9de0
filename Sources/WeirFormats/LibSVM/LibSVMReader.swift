/// Reads libsvm/svmlight text: `label [qid:N] index:value ...` with strictly increasing
/// indices, 1-based (index 1 is feature 0) or, with `zeroBased`, taken as the feature
/// itself as xgboost reads them; a label may be a comma-separated list (multi-label). Rows
/// become sparse vectors of `dimension` (when given) or of the largest feature seen so far.
public final class LibSVMReader {
    let input: ByteInput
    /// The feature dimension rows are given; indices beyond it are an error.
    public let dimension: Int?
    /// The query id of the last row, when it had one (ranking data).
    public private(set) var queryID: Int?
    public private(set) var line: Int64 = 0
    public private(set) var largestIndex = 0
    /// Whether an index is the feature itself (xgboost's reading) rather than one above it.
    public let zeroBased: Bool

    public init(_ input: ByteInput, dimension: Int? = nil, zeroBased: Bool = false) {
        input.skipByteOrderMark()
        self.input = input
        self.dimension = dimension
        self.zeroBased = zeroBased
    }

    public convenience init(path: String, dimension: Int? = nil, zeroBased: Bool = false) throws(FormatError) {
        self.init(try ByteInput(path: path), dimension: dimension, zeroBased: zeroBased)
    }

    public func next() throws(FormatError) -> DataRow? {
        var row: DataRow?
        while row == nil {
            let more = try input.readLine { bytes throws(FormatError) in
                line += 1
                row = try parse(bytes)
            }
            guard more else { return nil }
        }
        return row
    }

    /// Parses one line; nil for a blank or comment-only line.
    private func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(FormatError) -> DataRow? {
        var end = bytes.count
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) { end = hash }
        var tokens: [Range<Int>] = []
        var start: Int? = nil
        for index in 0...end {
            let separator = index == end || bytes[index] == 0x20 || bytes[index] == 0x09
            if separator, let begin = start {
                tokens.append(begin..<index)
                start = nil
            } else if !separator && start == nil {
                start = index
            }
        }
        guard let first = tokens.first else { return nil }
        var label: [Double] = []
        var labelStart = first.lowerBound
        for index in first.lowerBound...first.upperBound where index == first.upperBound || bytes[index] == UInt8(ascii: ",") {
            let text = UnsafeBufferPointer(rebasing: bytes[labelStart..<index])
            guard !text.isEmpty, let value = NumberText.parseDouble(text) else {
                throw FormatError(input: input.name, .line(line), field: "label", "expected a number, found '\(String(decoding: text, as: UTF8.self))'")
            }
            label.append(value)
            labelStart = index + 1
        }
        queryID = nil
        var indices: [Int] = [], values: [Double] = []
        indices.reserveCapacity(tokens.count - 1)
        values.reserveCapacity(tokens.count - 1)
        for token in tokens.dropFirst() {
            let text = UnsafeBufferPointer(rebasing: bytes[token])
            guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else {
                throw FormatError(input: input.name, .line(line), "expected index:value, found '\(String(decoding: text, as: UTF8.self))'")
            }
            let key = UnsafeBufferPointer(rebasing: text[..<colon])
            let valueText = UnsafeBufferPointer(rebasing: text[(colon + 1)...])
            if key.elementsEqual("qid".utf8) {
                guard let qid = Int(String(decoding: valueText, as: UTF8.self)) else {
                    throw FormatError(input: input.name, .line(line), field: "qid", "expected an integer, found '\(String(decoding: valueText, as: UTF8.self))'")
                }
                queryID = qid
                continue
            }
            guard let index = Int(String(decoding: key, as: UTF8.self)) else {
                throw FormatError(input: input.name, .line(line), "expected a feature index, found '\(String(decoding: key, as: UTF8.self))'")
            }
            let base = zeroBased ? 0 : 1
            guard index >= base else {
                throw FormatError(input: input.name, .line(line), field: "index \(index)", "libsvm indices start at \(base)")
            }
            let feature = index - base
            if let last = indices.last, feature <= last {
                throw FormatError(input: input.name, .line(line), field: "index \(index)", "indices must increase (previous was \(last + base))")
            }
            guard feature < FeatureShape.maximumDimension else {
                throw FormatError(input: input.name, .line(line), field: "index \(index)", "beyond the largest feature dimension Weir reads (\(FeatureShape.maximumDimension))")
            }
            if let dimension, feature >= dimension {
                throw FormatError(input: input.name, .line(line), field: "index \(index)", "beyond the feature dimension \(dimension)")
            }
            guard !valueText.isEmpty, let value = NumberText.parseDouble(valueText) else {
                throw FormatError(input: input.name, .line(line), field: "index \(index)",
                                  "expected a number, found '\(String(decoding: valueText, as: UTF8.self))'")
            }
            indices.append(feature)
            values.append(value)
        }
        largestIndex = max(largestIndex, indices.last.map { $0 + 1 } ?? 0)
        return DataRow(features: .sparse(indices: indices, values: values, dimension: dimension ?? largestIndex), label: label)
    }
}
