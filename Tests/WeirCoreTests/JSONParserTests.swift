import Testing
import WeirCore

struct JSONParserTests {
    @Test func parsesNestedDocumentsKeepingKeyOrder() throws {
        let value = try JSONParser.parse(#"{"b": 1, "a": [true, false, null, "x\"y", -2.5e3], "c": {"d": 0.125}}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"] == .number(1))
        #expect(object["a"] == .array([.bool(true), .bool(false), .null, .string("x\"y"), .number(-2500)]))
        #expect(object["c"]?.objectValue?["d"] == .number(0.125))
    }

    @Test func numbersRoundTripExactly() throws {
        for text in ["0", "-0.5", "3.141592653589793", "1e-7", "123456789012345678", "0.1", "2.5E+10", "-1.7976931348623157e308"] {
            let parsed = try JSONParser.parse(text)
            #expect(parsed.doubleValue == Double(text), "\(text)")
        }
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#""tab\t nl\n \u00e9 \ud83d\ude00 \/""#)
        #expect(value == .string("tab\t nl\n é 😀 /"))
    }

    @Test(arguments: [
        (#"{"a":1,}"#, 7), (#"{"a" 1}"#, 5), ("[1,2", 4), ("tru", 0), (#""abc"#, 4), ("01", 1),
        ("{} x", 3), ("-", 1), (#"{"a":"\x"}"#, 7), ("1.", 2),
    ])
    func reportsTheOffsetOfTheFirstError(text: String, offset: Int) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
        }
    }

    /// A key named twice is refused at its second occurrence, in small objects, nested
    /// ones and objects past the size where the parser switches to a set of keys; the
    /// same key in sibling objects is fine.
    @Test func rejectsDuplicateKeysWhereverTheyAre() throws {
        let wide = "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k7\":1}"
        for (text, offset) in [(#"{"ts":1,"ts":2}"#, 8), (#"[{"a":{"b":1,"b":1}}]"#, 13), (wide, wide.utf8.count - 7)] {
            do {
                _ = try JSONParser.parse(text)
                Issue.record("\(text.prefix(40)): expected a duplicate-key error")
            } catch {
                #expect(error.offset == offset && error.reason.hasPrefix("duplicate key"), "\(error)")
            }
        }
        let siblings = try JSONParser.parse(#"[{"a":1},{"a":2,"b":{"a":3}}]"#)
        guard case .array(let items) = siblings else { Issue.record("expected an array"); return }
        #expect(items.count == 2)
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    @Test func writerProducesParsableCompactJSON() throws {
        let original: JSONValue = .object(JSONObject([
            ("s", .string("quote\" back\\ ctl\u{01}")), ("n", .number(42)), ("f", .number(0.1)),
            ("nan", .number(.nan)), ("arr", .array([.null, .bool(true)])),
        ]))
        let text = JSONWriter.string(of: original)
        #expect(text == #"{"s":"quote\" back\\ ctl\u0001","n":42,"f":0.1,"nan":null,"arr":[null,true]}"#)
        var expected = original.objectValue!
        expected["nan"] = .null
        #expect(try JSONParser.parse(text) == .object(expected))
    }

    /// Every finite number the writer prints reads back as the same Double, and never with
    /// more significant digits than Swift's shortest round-trip form.
    @Test func writtenNumbersRoundTripInTheirShortestForm() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func nextRandom() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
        var samples: [Double] = [0.1, 0.2, 0.3, 12.5, -0.037, 99.9, 1e-4, 0.00012, 123456789.123, 1e9 - 0.5,
                                 0.1 + 0.2, 1.0 / 3.0, -2.675, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 4.35, 1024.0625]
        for _ in 0..<20_000 {
            let random = nextRandom()
            let decimals = Double(Int64(bitPattern: random % 2_000_000_000_000) - 1_000_000_000_000)
            samples.append(decimals / [10.0, 100.0, 1000.0, 1e6, 1e9][Int(random >> 60) % 5])
            samples.append(Double(bitPattern: nextRandom()))
        }
        func significantDigits(_ text: Substring) -> Int {
            let mantissa = text.prefix { $0 != "e" && $0 != "E" }.filter(\.isNumber)
            return mantissa.drop { $0 == "0" }.reversed().drop { $0 == "0" }.count
        }
        for number in samples where number.isFinite {
            var bytes: [UInt8] = []
            JSONWriter.writeNumber(number, into: &bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            let parsed = try JSONParser.parse(text)
            #expect(parsed.doubleValue == number, "\(number) written as \(text)")
            #expect(significantDigits(Substring(text)) <= max(1, significantDigits(Substring(number.description))),
                    "\(number) written as \(text), Swift prints \(number.description)")
        }
    }
}
