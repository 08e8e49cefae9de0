import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats

/// xgboost's JSON model format (`Booster.save_model("model.json")`), written as xgboost
/// 3.2 writes it and read from any xgboost 1.0+ JSON model or 1.6+ UBJSON model (the
/// default of `save_model` without `.json`). Weir's files carry a CRC-32
/// in the learner's attributes (`weir_crc32`, computed with the value zeroed), which
/// xgboost keeps as an ordinary attribute; files without it (written by xgboost) are
/// checked by structure alone.
enum XGBoostModelFile {
    static let checksumKey = "weir_crc32"
    static let placeholder = "00000000"
    /// A second mark of a Weir-written file, so that one damaged byte cannot make a Weir
    /// file pass for an xgboost-written one without a checksum.
    static let writerKey = "weir_writer"

    // MARK: Writing

    static func encode(_ model: XGBoostModel) -> [UInt8] {
        var out = JSONText()
        out.raw("{\"learner\":{\"attributes\":{")
        var attributes = model.attributes.filter { $0.0 != checksumKey && $0.0 != writerKey }
        attributes.insert((checksumKey, placeholder), at: 0)
        attributes.append((writerKey, "weir"))
        for (index, (key, value)) in attributes.enumerated() {
            if index > 0 { out.raw(",") }
            out.string(key)
            out.raw(":")
            out.string(value)
        }
        out.raw("},\"feature_names\":")
        out.strings(model.featureNames)
        out.raw(",\"feature_types\":")
        out.strings(model.featureNames.isEmpty ? [] : Array(repeating: "float", count: model.featureNames.count))
        out.raw(",\"gradient_booster\":{\"model\":{\"cats\":{\"enc\":[],\"feature_segments\":[],\"sorted_idx\":[]},")
        out.raw("\"gbtree_model_param\":{\"num_parallel_tree\":\"1\",\"num_trees\":\"\(model.trees.count)\"},")
        out.raw("\"iteration_indptr\":[")
        let perRound = max(model.outputs, 1)
        let rounds = model.trees.count / perRound
        out.raw((0...rounds).map { String($0 * perRound) }.joined(separator: ","))
        out.raw("],\"tree_info\":[")
        out.raw(model.treeOutputs.map(String.init).joined(separator: ","))
        out.raw("],\"trees\":[")
        for (id, tree) in model.trees.enumerated() {
            if id > 0 { out.raw(",") }
            encode(tree, id: id, features: model.featureCount, into: &out)
        }
        out.raw("]},\"name\":\"gbtree\"},\"learner_model_param\":{\"base_score\":\"[")
        out.raw(model.baseScore.map { scientific(Float($0)) }.joined(separator: ","))
        out.raw("]\",\"boost_from_average\":\"1\",\"num_class\":\"\(model.objective.kind.isMulticlass ? model.outputs : 0)\",")
        out.raw("\"num_feature\":\"\(model.featureCount)\",\"num_target\":\"1\"},\"objective\":")
        encodeObjective(model.objective, into: &out)
        out.raw("},\"version\":[3,2,0]}")
        var bytes = out.bytes
        let checksum = CRC32.checksum(bytes)
        if let range = checksumRange(bytes) {
            bytes.replaceSubrange(range, with: Array(hex(checksum).utf8))
        }
        return bytes
    }

    static func encode(_ tree: BoostedTree, id: Int, features: Int, into out: inout JSONText) {
        out.raw("{\"base_weights\":")
        out.floats(tree.baseWeight)
        out.raw(",\"categories\":[],\"categories_nodes\":[],\"categories_segments\":[],\"categories_sizes\":[],\"default_left\":[")
        out.raw(tree.defaultLeft.map { $0 ? "1" : "0" }.joined(separator: ","))
        out.raw("],\"id\":\(id),\"left_children\":[")
        out.raw(tree.left.map(String.init).joined(separator: ","))
        out.raw("],\"loss_changes\":")
        out.floats(tree.lossChange)
        out.raw(",\"parents\":[")
        out.raw(tree.parent.map { $0 < 0 ? "2147483647" : String($0) }.joined(separator: ","))
        out.raw("],\"right_children\":[")
        out.raw(tree.right.map(String.init).joined(separator: ","))
        out.raw("],\"split_conditions\":")
        out.floats(tree.condition)
        out.raw(",\"split_indices\":[")
        out.raw(tree.feature.map(String.init).joined(separator: ","))
        out.raw("],\"split_type\":[")
        out.raw(Array(repeating: "0", count: tree.nodeCount).joined(separator: ","))
        out.raw("],\"sum_hessian\":")
        out.floats(tree.sumHessian)
        out.raw(",\"tree_param\":{\"num_deleted\":\"0\",\"num_feature\":\"\(features)\",\"num_nodes\":\"\(tree.nodeCount)\",\"size_leaf_vector\":\"1\"}}")
    }

    static func encodeObjective(_ objective: BoostingObjective, into out: inout JSONText) {
        let name = objective.kind.rawValue
        switch objective.kind {
        case .softmax, .softprob:
            out.raw("{\"name\":\"\(name)\",\"softmax_multiclass_param\":{\"num_class\":\"\(objective.classes)\"}}")
        case .tweedie:
            out.raw("{\"name\":\"\(name)\",\"tweedie_regression_param\":{\"tweedie_variance_power\":\"\(Float(objective.tweedieVariancePower))\"}}")
        case .poisson:
            out.raw("{\"name\":\"\(name)\",\"poisson_regression_param\":{\"max_delta_step\":\"\(fixed(objective.poissonDeltaStep))\"}}")
        case .pseudoHuber:
            out.raw("{\"name\":\"\(name)\",\"pseudo_huber_param\":{\"huber_slope\":\"\(Float(objective.huberSlope))\"}}")
        case .absoluteError, .hinge:
            out.raw("{\"name\":\"\(name)\"}")
        case .pairwise, .ndcg, .map:
            let r = objective.ranking
            func flag(_ value: Bool) -> String { value ? "1" : "0" }
            out.raw("{\"lambdarank_param\":{\"lambdarank_bias_norm\":\"\(NumberText.format(r.biasNorm))\",\"lambdarank_normalization\":\"\(flag(r.normalization))\",")
            out.raw("\"lambdarank_num_pair_per_sample\":\"\(r.pairsPerSample ?? LambdaRankParameters.notSet)\",\"lambdarank_pair_method\":\"\(r.pairMethod.rawValue)\",")
            out.raw("\"lambdarank_score_normalization\":\"\(flag(r.scoreNormalization))\",\"lambdarank_unbiased\":\"\(flag(r.unbiased))\",")
            out.raw("\"ndcg_exp_gain\":\"\(flag(r.exponentialGain))\"},\"name\":\"\(name)\"")
            if r.unbiased {
                let bias = objective.positionBias ?? PositionBias(positions: 0)
                out.raw(",\"ti+\":")
                out.floats(bias.relevant.map(Float.init))
                out.raw(",\"tj-\":")
                out.floats(bias.irrelevant.map(Float.init))
            }
            out.raw("}")
        default:
            out.raw("{\"name\":\"\(name)\",\"reg_loss_param\":{\"scale_pos_weight\":\"\(Float(objective.scalePositiveWeight))\"}}")
        }
    }

    /// A Float as xgboost writes `base_score`: shortest digits, `5.2E-1`.
    static func scientific(_ value: Float) -> String {
        guard value != 0 else { return "0E0" }
        var text = value.magnitude.description
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0]), fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits: String
        if whole.allSatisfy({ $0 == "0" }) {
            let zeros = fraction.prefix { $0 == "0" }.count
            digits = String(fraction.dropFirst(zeros))
            exponent -= zeros + 1
        } else {
            let trimmed = String(whole.drop { $0 == "0" })
            digits = trimmed + fraction
            exponent += trimmed.count - 1
        }
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
        let mantissa = digits.count > 1 ? "\(digits.prefix(1)).\(digits.dropFirst())" : digits
        return (value < 0 ? "-" : "") + mantissa + "E\(exponent)"
    }

    /// A parameter as xgboost's configuration prints it: nine significant digits.
    static func fixed(_ value: Double) -> String {
        String(format: "%.9g", Double(Float(value)))
    }

    static func hex(_ value: UInt32) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 8 - text.count) + text
    }

    /// Where the checksum's 8 hex digits are in a Weir-written file.
    static func checksumRange(_ bytes: [UInt8]) -> Range<Int>? {
        let key = Array("\"\(checksumKey)\":\"".utf8)
        // The attributes come first: look only near the start.
        let limit = min(bytes.count, 65_536)
        guard limit >= key.count + 8 else { return nil }
        for start in 0...(limit - key.count - 8) where bytes[start] == key[0] && Array(bytes[start..<(start + key.count)]) == key {
            let digits = (start + key.count)..<(start + key.count + 8)
            guard bytes.count > digits.upperBound, bytes[digits.upperBound] == UInt8(ascii: "\"") else { return nil }
            return digits
        }
        return nil
    }

    /// Whether `text` occurs in the first 64 KiB of `bytes` (where the attributes are).
    static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        let limit = min(bytes.count, 65_536)
        guard limit >= needle.count else { return false }
        for start in 0...(limit - needle.count) where bytes[start] == needle[0] {
            if bytes[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    // MARK: Reading

    static func decode(_ bytes: [UInt8], name: String) throws -> XGBoostModel {
        if UBJSONReader.looksLikeUBJSON(bytes) {
            var reader = UBJSONReader(bytes)
            let document: JSONValue
            do { document = try reader.document() } catch {
                throw ModelSnapshotError(name: name, "invalid UBJSON at byte \(error.offset): \(error.reason)")
            }
            var model = ModelReader(name: name)
            return try model.model(document)
        }
        guard bytes.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }) == UInt8(ascii: "{") else {
            throw ModelSnapshotError(name: name, "not an xgboost model in JSON or UBJSON (xgboost's deprecated binary format: load it in xgboost and save_model(\"model.json\"))")
        }
        let weirWritten = contains(bytes, "\"\(checksumKey)\"") || contains(bytes, "\"\(writerKey)\"")
        if weirWritten && checksumRange(bytes) == nil {
            throw ModelSnapshotError(name: name, "the model file's checksum is missing or damaged")
        }
        if let range = checksumRange(bytes) {
            var zeroed = bytes
            zeroed.replaceSubrange(range, with: Array(placeholder.utf8))
            let stored = String(decoding: bytes[range], as: UTF8.self)
            guard stored == hex(CRC32.checksum(zeroed)) else {
                throw ModelSnapshotError(name: name, "checksum mismatch: the model file is damaged")
            }
        }
        let document: JSONValue
        do { document = try JSONParser.parse(bytes) } catch {
            throw ModelSnapshotError(name: name, "invalid JSON at byte \(error.offset): \(error.reason)")
        }
        var reader = ModelReader(name: name)
        return try reader.model(document)
    }
}

/// Reads the parts of an xgboost JSON document, naming the field at fault.
struct ModelReader {
    let name: String
    /// The deepest tree a model may hold: TreeSHAP and node means recurse by depth, and a
    /// stream worker thread's stack must hold that recursion.
    static let maximumDepth = 512

    func fail(_ path: String, _ message: String) -> ModelSnapshotError {
        ModelSnapshotError(name: name, "\(path): \(message)")
    }

    func object(_ value: JSONValue?, _ path: String) throws -> JSONObject {
        guard let object = value?.objectValue else { throw fail(path, "expected an object") }
        return object
    }

    func array(_ value: JSONValue?, _ path: String) throws -> [JSONValue] {
        guard case .array(let items)? = value else { throw fail(path, "expected an array") }
        return items
    }

    func integer(_ value: JSONValue?, _ path: String, _ range: ClosedRange<Int>) throws -> Int {
        let number: Double?
        switch value {
        case .number(let n)?: number = n
        case .string(let s)?: number = Double(s)
        default: number = nil
        }
        guard let number, number.magnitude < 9e15, let integer = Int(exactly: number), range.contains(integer) else {
            throw fail(path, "expected an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return integer
    }

    func integers(_ value: JSONValue?, _ path: String, count: Int, _ range: ClosedRange<Int>) throws -> [Int] {
        let items = try array(value, path)
        guard items.count == count else { throw fail(path, "has \(items.count) entries; expected \(count)") }
        return try items.enumerated().map { try integer($1, "\(path)[\($0)]", range) }
    }

    func floats(_ value: JSONValue?, _ path: String, count: Int) throws -> [Float] {
        let items = try array(value, path)
        guard items.count == count else { throw fail(path, "has \(items.count) entries; expected \(count)") }
        return try items.enumerated().map { index, item in
            guard let number = item.doubleValue, number.isFinite, number.magnitude <= Double(Float.greatestFiniteMagnitude) else {
                throw fail("\(path)[\(index)]", "expected a finite number")
            }
            return Float(number)
        }
    }

    func text(_ value: JSONValue?, _ path: String) throws -> String {
        guard let string = value?.stringValue else { throw fail(path, "expected a string") }
        return string
    }

    /// rank:*'s `lambdarank_param` (xgboost's defaults for what it lacks).
    func rankingParameters(_ object: JSONObject?) -> LambdaRankParameters {
        var ranking = LambdaRankParameters()
        if let method = object?["lambdarank_pair_method"]?.stringValue, let value = LambdaRankParameters.PairMethod(rawValue: method) {
            ranking.pairMethod = value
        }
        if let pairs = parameter(object, "lambdarank_num_pair_per_sample"), pairs >= 1, pairs < Double(LambdaRankParameters.notSet) {
            ranking.pairsPerSample = Int(pairs)
        }
        ranking.normalization = parameter(object, "lambdarank_normalization").map { $0 != 0 } ?? true
        ranking.scoreNormalization = parameter(object, "lambdarank_score_normalization").map { $0 != 0 } ?? true
        ranking.exponentialGain = parameter(object, "ndcg_exp_gain").map { $0 != 0 } ?? true
        ranking.unbiased = parameter(object, "lambdarank_unbiased").map { $0 != 0 } ?? false
        if let norm = parameter(object, "lambdarank_bias_norm"), norm >= 0, norm.isFinite { ranking.biasNorm = norm }
        return ranking
    }

    func parameter(_ object: JSONObject?, _ key: String) -> Double? {
        guard let value = object?[key] else { return nil }
        switch value {
        case .string(let s): return Double(s)
        case .number(let n): return n
        default: return nil
        }
    }

    mutating func model(_ document: JSONValue) throws -> XGBoostModel {
        let root = try object(document, "document")
        let learner = try object(root["learner"], "learner")
        let parameters = try object(learner["learner_model_param"], "learner.learner_model_param")
        let featureCount = try integer(parameters["num_feature"], "learner.learner_model_param.num_feature", 0...BoostingData.maximumFeatures)
        let classes = try integer(parameters["num_class"] ?? .string("0"), "learner.learner_model_param.num_class", 0...1_000_000)
        let objectiveObject = try object(learner["objective"], "learner.objective")
        let objectiveName = try text(objectiveObject["name"], "learner.objective.name")
        guard let kind = BoostingObjective.Kind(rawValue: objectiveName) else {
            throw fail("learner.objective.name", "'\(objectiveName)' is not an objective Weir serves (\(BoostingObjective.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if kind.isMulticlass && classes < 2 { throw fail("learner.learner_model_param.num_class", "\(objectiveName) needs at least 2 classes") }
        var objective = BoostingObjective(
            kind: kind, classes: classes,
            scalePositiveWeight: parameter(objectiveObject["reg_loss_param"]?.objectValue, "scale_pos_weight") ?? 1,
            tweedieVariancePower: parameter(objectiveObject["tweedie_regression_param"]?.objectValue, "tweedie_variance_power") ?? 1.5,
            huberSlope: parameter(objectiveObject["pseudo_huber_param"]?.objectValue, "huber_slope") ?? 1,
            poissonDeltaStep: parameter(objectiveObject["poisson_regression_param"]?.objectValue, "max_delta_step") ?? BoostingObjective.poissonDefaultDeltaStep,
            ranking: rankingParameters(objectiveObject["lambdarank_param"]?.objectValue))
        if kind.isRanking && objective.ranking.unbiased, let relevant = objectiveObject["ti+"] {
            let count = try array(relevant, "learner.objective.ti+").count
            guard count <= 1 << 20 else { throw fail("learner.objective.ti+", "has \(count) positions; at most \(1 << 20)") }
            objective.positionBias = PositionBias(relevant: try floats(relevant, "learner.objective.ti+", count: count).map(Double.init),
                                                  irrelevant: try floats(objectiveObject["tj-"], "learner.objective.tj-", count: count).map(Double.init))
        }
        let baseText = try text(parameters["base_score"], "learner.learner_model_param.base_score")
        // Stored as Float (xgboost's type); kept as that Float's exact value.
        let baseScore = baseText.stripping("[] ").split(separator: ",").compactMap { Float($0.stripping(" ")) }.map(Double.init)
        guard !baseScore.isEmpty, baseScore.allSatisfy(\.isFinite), baseScore.count == 1 || baseScore.count == objective.outputs else {
            throw fail("learner.learner_model_param.base_score", "'\(baseText)' is not one number or one per class")
        }
        let booster = try object(learner["gradient_booster"], "learner.gradient_booster")
        let boosterName = try text(booster["name"], "learner.gradient_booster.name")
        guard boosterName == "gbtree" else {
            throw fail("learner.gradient_booster.name", "'\(boosterName)' models are not served; Weir serves gbtree models")
        }
        let ensemble = try object(booster["model"], "learner.gradient_booster.model")
        let treeValues = try array(ensemble["trees"], "learner.gradient_booster.model.trees")
        let outputs = try integers(ensemble["tree_info"], "learner.gradient_booster.model.tree_info", count: treeValues.count,
                                   0...(objective.outputs - 1))
        var trees: [BoostedTree] = []
        trees.reserveCapacity(treeValues.count)
        for (index, value) in treeValues.enumerated() {
            trees.append(try tree(value, "learner.gradient_booster.model.trees[\(index)]", features: featureCount))
        }
        var attributes: [(String, String)] = []
        for field in (learner["attributes"]?.objectValue?.fields ?? []) where field.key != XGBoostModelFile.checksumKey && field.key != XGBoostModelFile.writerKey {
            attributes.append((field.key, field.value.stringValue ?? JSONWriter.string(of: field.value)))
        }
        let names = (try? array(learner["feature_names"], "learner.feature_names"))?.compactMap(\.stringValue) ?? []
        return XGBoostModel(objective: objective, featureCount: featureCount, baseScore: baseScore, trees: trees,
                            treeOutputs: outputs, attributes: attributes, featureNames: names.count == featureCount ? names : [])
    }

    func tree(_ value: JSONValue, _ path: String, features: Int) throws -> BoostedTree {
        let object = try object(value, path)
        let treeParameters = try self.object(object["tree_param"], "\(path).tree_param")
        let count = try integer(treeParameters["num_nodes"], "\(path).tree_param.num_nodes", 1...(1 << 26))
        if let leafVector = parameter(treeParameters, "size_leaf_vector"), leafVector > 1 {
            throw fail("\(path).tree_param.size_leaf_vector", "vector-leaf trees (multi_strategy) are not served")
        }
        if let types = try? array(object["split_type"], "\(path).split_type"), types.contains(where: { $0.doubleValue != 0 }) {
            throw fail("\(path).split_type", "categorical splits are not served yet; train with numeric features")
        }
        var tree = BoostedTree()
        tree.left = try integers(object["left_children"], "\(path).left_children", count: count, -1...(count - 1)).map { Int32($0) }
        tree.right = try integers(object["right_children"], "\(path).right_children", count: count, -1...(count - 1)).map { Int32($0) }
        tree.parent = try integers(object["parents"], "\(path).parents", count: count, -1...Int(Int32.max))
            .map { $0 >= count || $0 < 0 ? -1 : Int32($0) }
        tree.feature = try integers(object["split_indices"], "\(path).split_indices", count: count, 0...max(features, 1)).map { Int32($0) }
        tree.condition = try floats(object["split_conditions"], "\(path).split_conditions", count: count)
        tree.defaultLeft = try integers(object["default_left"], "\(path).default_left", count: count, 0...1).map { $0 == 1 }
        tree.baseWeight = try floats(object["base_weights"], "\(path).base_weights", count: count)
        tree.lossChange = (try? floats(object["loss_changes"], "\(path).loss_changes", count: count)) ?? Array(repeating: 0, count: count)
        tree.sumHessian = (try? floats(object["sum_hessian"], "\(path).sum_hessian", count: count)) ?? Array(repeating: 0, count: count)
        // A tree: from the root every node is reached at most once, children both or neither,
        // no deeper than `maximumDepth` (serving and TreeSHAP recurse by depth).
        var seen = [Bool](repeating: false, count: count)
        var stack = [(node: 0, depth: 0)]
        seen[0] = true
        while let (node, depth) = stack.popLast() {
            guard depth <= Self.maximumDepth else {
                throw fail("\(path)", "deeper than \(Self.maximumDepth) levels")
            }
            let l = Int(tree.left[node]), r = Int(tree.right[node])
            if l < 0 && r < 0 { continue }
            guard l >= 0, r >= 0, !seen[l], !seen[r], l != r else {
                throw fail("\(path).left_children", "node \(node)'s children (\(l), \(r)) do not form a tree")
            }
            guard Int(tree.feature[node]) < max(features, 1) else {
                throw fail("\(path).split_indices[\(node)]", "feature \(tree.feature[node]) is beyond num_feature \(features)")
            }
            seen[l] = true
            seen[r] = true
            stack += [(l, depth + 1), (r, depth + 1)]
        }
        return tree
    }
}

/// Builds JSON text directly, writing Floats in their shortest form.
struct JSONText {
    var bytes: [UInt8] = []

    mutating func raw(_ text: String) { bytes += Array(text.utf8) }

    mutating func string(_ text: String) { bytes += JSONWriter.bytes(of: .string(text)) }

    mutating func strings(_ texts: [String]) { bytes += JSONWriter.bytes(of: .array(texts.map(JSONValue.string))) }

    mutating func floats(_ values: [Float]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += Array((value.isFinite ? value : 0).description.utf8)
        }
        bytes.append(UInt8(ascii: "]"))
    }
}
