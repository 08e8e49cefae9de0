import Testing
import WeirCore
@testable import WeirDeepAR

@Suite struct TimeFrequencyTests {
    @Test(arguments: [("5min", 5, TimeFrequency.Unit.minute), ("T", 1, .minute), ("H", 1, .hour), ("2H", 2, .hour),
                      ("D", 1, .day), ("1D", 1, .day), ("W", 1, .week), ("M", 1, .month), ("3M", 3, .month)])
    func parsesSageMakersFrequencies(text: String, multiple: Int, unit: TimeFrequency.Unit) throws {
        let frequency = try #require(TimeFrequency(text))
        #expect(frequency.multiple == multiple && frequency.unit == unit)
    }

    @Test(arguments: ["", "0H", "5", "Q", "hour", "-1D", "5 min"])
    func rejectsOtherText(text: String) {
        #expect(TimeFrequency(text) == nil)
    }

    /// The lag sets GluonTS's get_lags_for_frequency gives (written out from its rules).
    @Test func lagsFollowTheSeasonalCycles() throws {
        #expect(TimeFrequency("M")!.lags() == [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 23, 24, 25, 35, 36, 37])
        #expect(TimeFrequency("D")!.lags() == [1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 20, 21, 22, 27, 28, 29, 30, 31])
        #expect(TimeFrequency("H")!.lags() == [1, 2, 3, 4, 5, 6, 7, 23, 24, 25, 47, 48, 49, 71, 72, 73, 95, 96, 97,
                                               119, 120, 121, 143, 144, 145, 167, 168, 169])
        #expect(TimeFrequency("W")!.lags() == [1, 2, 3, 4, 5, 6, 7, 8, 12, 51, 52, 53, 103, 104, 105, 155, 156, 157])
        #expect(TimeFrequency("5min")!.lags() == [1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 22, 23, 24, 25, 26, 34, 35, 36, 37, 38])
        #expect(TimeFrequency("H")!.lags(upperBound: 50).last == 49)
    }

    @Test func stepsByFixedPeriodsAndCalendarMonths() throws {
        let hour = try #require(TimeFrequency("2H"))
        #expect(hour.advance(0, by: 3) == 6 * 3_600)
        let month = try #require(TimeFrequency("M"))
        let january31 = Int64(CivilDate.daysSinceEpoch(year: 2024, month: 1, day: 31)) * 86_400
        #expect(month.advance(january31, by: 1) == Int64(CivilDate.daysSinceEpoch(year: 2024, month: 2, day: 29)) * 86_400)
        #expect(month.advance(january31, by: 13) == Int64(CivilDate.daysSinceEpoch(year: 2025, month: 2, day: 28)) * 86_400)
        #expect(month.advance(january31, by: -2) == Int64(CivilDate.daysSinceEpoch(year: 2023, month: 11, day: 30)) * 86_400)
    }

    /// Calendar fields checked against Python's datetime for the same instants.
    @Test(arguments: [
        (Int64(1_795_733_218), 46, 22, 3, 26, 330, 48, 11), (1_709_164_800, 0, 0, 3, 29, 60, 9, 2),
        (1_609_459_140, 59, 23, 3, 31, 366, 53, 12), (1_609_675_200, 0, 12, 6, 3, 3, 53, 1), (-3_600, 0, 23, 2, 31, 365, 1, 12),
    ])
    func dateFeaturesMatchTheCalendar(instant: Int64, minute: Int, hour: Int, weekday: Int, day: Int, dayOfYear: Int, isoWeek: Int, month: Int) throws {
        let minutely = TimeFrequency("min")!.features(at: instant)
        #expect(minutely == [Double(minute) / 59 - 0.5, Double(hour) / 23 - 0.5, Double(weekday) / 6 - 0.5,
                             Double(day - 1) / 30 - 0.5, Double(dayOfYear - 1) / 365 - 0.5])
        #expect(TimeFrequency("W")!.features(at: instant) == [Double(day - 1) / 30 - 0.5, Double(isoWeek - 1) / 52 - 0.5])
        #expect(TimeFrequency("M")!.features(at: instant) == [Double(month - 1) / 11 - 0.5])
        #expect(minutely.allSatisfy { $0 >= -0.5 && $0 <= 0.5 })
    }
}
