import WeirCore

/// A series' sampling frequency as SageMaker's DeepAR and pandas write it: an optional
/// multiple and a unit, `min` (or `T`), `H`, `D`, `W` or `M` (`5min`, `2H`, `D`). It
/// steps timestamps (calendar months for `M`), and chooses the lags and date features
/// DeepAR feeds its network at this frequency.
public struct TimeFrequency: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: String, Sendable, CaseIterable {
        case minute = "min", hour = "H", day = "D", week = "W", month = "M"

        var seconds: Int64 {
            switch self {
            case .minute: return 60
            case .hour: return 3_600
            case .day: return 86_400
            case .week: return 604_800
            case .month: return 0 // calendar months
            }
        }
    }

    public let multiple: Int
    public let unit: Unit

    public init(multiple: Int = 1, unit: Unit) {
        precondition(multiple >= 1, "a frequency's multiple is at least 1")
        self.multiple = multiple
        self.unit = unit
    }

    /// Parses `time_freq`; nil for anything else.
    public init?(_ text: String) {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unitText = text.dropFirst(digits.count)
        let multiple = digits.isEmpty ? 1 : Int(digits) ?? 0
        guard multiple >= 1 else { return nil }
        let unit: Unit
        switch unitText {
        case "min", "T", "Min": unit = .minute
        case "H", "h": unit = .hour
        case "D", "d": unit = .day
        case "W", "w": unit = .week
        case "M", "MS", "ME": unit = .month
        default: return nil
        }
        self.init(multiple: multiple, unit: unit)
    }

    public var description: String { (multiple == 1 ? "" : "\(multiple)") + unit.rawValue }

    /// The timestamp `steps` periods after `epochSeconds` (UTC); months keep the day of
    /// the month where it exists (the 31st becomes the month's last day).
    public func advance(_ epochSeconds: Int64, by steps: Int) -> Int64 {
        guard unit == .month else { return epochSeconds + Int64(steps * multiple) * unit.seconds }
        let days = Int((epochSeconds - epochSeconds.floorModulo(86_400)) / 86_400)
        let secondOfDay = epochSeconds.floorModulo(86_400)
        let (year, month, day) = CivilDate.civil(daysSinceEpoch: days)
        let monthIndex = year * 12 + (month - 1) + steps * multiple
        let newYear = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
        let newMonth = monthIndex - newYear * 12 + 1
        let newDay = min(day, CivilDate.daysIn(month: newMonth, year: newYear))
        return Int64(CivilDate.daysSinceEpoch(year: newYear, month: newMonth, day: newDay)) * 86_400 + secondOfDay
    }

    /// The lags DeepAR feeds its network (GluonTS's rule): 1 to 7, then the same season
    /// (plus or minus a little) in the previous few cycles: hours of the last 3 hours for
    /// minutes, days of the last week for hours, weeks of the last month for days, years
    /// (and 4, 8, 12 weeks) for weeks, years for months; none above `upperBound`.
    public func lags(upperBound: Int = 1_200) -> [Int] {
        func around(_ middle: Int, _ delta: Int) -> [Int] { Array((middle - delta)...(middle + delta)) }
        var seasonal: [Int] = []
        switch unit {
        case .minute: for k in 1...3 { seasonal += around(k * 60 / multiple, 2) }
        case .hour: for k in 1...7 { seasonal += around(k * 24 / multiple, 1) }
        case .day:
            for k in 1...4 { seasonal += around(k * 7 / multiple, 1) }
            seasonal += around(30 / multiple, 1)
        case .week:
            for k in 1...3 { seasonal += around(k * 52 / multiple, 1) }
            seasonal += [4 / multiple, 8 / multiple, 12 / multiple]
        case .month: for k in 1...3 { seasonal += around(k * 12 / multiple, 1) }
        }
        let extra = Set(seasonal.filter { $0 > 7 && $0 <= upperBound }).sorted()
        return Array(1...7) + extra
    }

    /// One date feature, scaled to [-0.5, 0.5].
    public enum DateFeature: String, Sendable, CaseIterable {
        case minuteOfHour = "minute_of_hour", hourOfDay = "hour_of_day", dayOfWeek = "day_of_week"
        case dayOfMonth = "day_of_month", dayOfYear = "day_of_year", weekOfYear = "week_of_year", monthOfYear = "month_of_year"
    }

    /// The date features at this frequency (GluonTS's set), from the finest that varies at
    /// this frequency upwards.
    public var dateFeatures: [DateFeature] {
        switch unit {
        case .minute: return [.minuteOfHour, .hourOfDay, .dayOfWeek, .dayOfMonth, .dayOfYear]
        case .hour: return [.hourOfDay, .dayOfWeek, .dayOfMonth, .dayOfYear]
        case .day: return [.dayOfWeek, .dayOfMonth, .dayOfYear]
        case .week: return [.dayOfMonth, .weekOfYear]
        case .month: return [.monthOfYear]
        }
    }

    public var featureNames: [String] { dateFeatures.map(\.rawValue) }

    /// The values of `dateFeatures` at `epochSeconds` (UTC).
    public func features(at epochSeconds: Int64) -> [Double] {
        let days = Int((epochSeconds - epochSeconds.floorModulo(86_400)) / 86_400)
        let secondOfDay = Int(epochSeconds.floorModulo(86_400))
        let (year, month, day) = CivilDate.civil(daysSinceEpoch: days)
        let dayOfYear = days - CivilDate.daysSinceEpoch(year: year, month: 1, day: 1)
        // 1970-01-01 was a Thursday; Monday = 0.
        let dayOfWeek = ((days % 7) + 7 + 3) % 7
        return dateFeatures.map { feature in
            switch feature {
            case .minuteOfHour: return Double(secondOfDay / 60 % 60) / 59 - 0.5
            case .hourOfDay: return Double(secondOfDay / 3_600) / 23 - 0.5
            case .dayOfWeek: return Double(dayOfWeek) / 6 - 0.5
            case .dayOfMonth: return Double(day - 1) / 30 - 0.5
            case .dayOfYear: return Double(dayOfYear) / 365 - 0.5
            case .weekOfYear: return Double(CivilDate.isoWeek(daysSinceEpoch: days) - 1) / 52 - 0.5
            case .monthOfYear: return Double(month - 1) / 11 - 0.5
            }
        }
    }
}

extension Int64 {
    /// The remainder with the sign of the divisor (times before 1970 fall on the right day).
    func floorModulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
