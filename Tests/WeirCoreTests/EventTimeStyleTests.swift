import Testing
import WeirCore

struct EventTimeStyleTests {
    /// A time an operator adds is written as its record writes times: seconds, milliseconds
    /// or UTC ISO 8601 text (milliseconds only when not whole seconds).
    @Test func timesAreWrittenInTheRecordsOwnForm() {
        #expect(EventTimeStyle.epochSeconds.value(ofMilliseconds: 1_714_564_800_500) == .number(1_714_564_800.5))
        #expect(EventTimeStyle.epochMilliseconds.value(ofMilliseconds: 1_714_564_800_500) == .number(1_714_564_800_500))
        let iso: [(Int64, String)] = [
            (1_714_564_800_000, "2024-05-01T12:00:00Z"), (1_714_564_800_123, "2024-05-01T12:00:00.123Z"),
            (0, "1970-01-01T00:00:00Z"), (-1, "1969-12-31T23:59:59.999Z"), (951_782_400_000, "2000-02-29T00:00:00Z"),
            (-62_135_596_800_000, "0001-01-01T00:00:00Z"), (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ]
        for (milliseconds, text) in iso {
            #expect(EventTimeStyle.iso8601.value(ofMilliseconds: milliseconds) == .string(text), "\(milliseconds)")
        }
    }
}
