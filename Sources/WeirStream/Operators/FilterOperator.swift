import WeirCore

/// Keeps events for which `field op value` holds. Numbers compare numerically, strings
/// lexicographically; an event whose field has another type than the value does not pass.
public final class FilterOperator: StreamOperator {
    public let name = "filter"
    let condition: FilterCondition

    public init(_ condition: FilterCondition) {
        self.condition = condition
    }

    public func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError) {
        let kept = consume event
        if matches(kept.fields[condition.field]) { output.append(kept) }
    }

    func matches(_ field: JSONValue?) -> Bool {
        switch condition.comparison {
        case .exists: return field != nil && field != .null
        case .missing: return field == nil || field == .null
        case .equal: return field == condition.value
        case .notEqual: return field != condition.value
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let order = Self.order(field, condition.value) else { return false }
            switch condition.comparison {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        }
    }

    /// -1, 0 or 1, or nil when the two are not comparable.
    static func order(_ lhs: JSONValue?, _ rhs: JSONValue) -> Int? {
        switch (lhs, rhs) {
        case (.number(let a)?, .number(let b)):
            if a.isNaN || b.isNaN { return nil }
            return a < b ? -1 : (a > b ? 1 : 0)
        case (.string(let a)?, .string(let b)):
            return a < b ? -1 : (a > b ? 1 : 0)
        default:
            return nil
        }
    }
}
