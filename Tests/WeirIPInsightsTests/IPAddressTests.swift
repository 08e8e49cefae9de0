import Testing
import WeirAlgorithm
import WeirCore
@testable import WeirIPInsights

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("192.168.1.2", "192.168.1.2"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
        (" 10.10.1.2", "10.10.1.2"), ("::ffff:10.0.0.1", "10.0.0.1"), ("2001:db8::1", "2001:db8::1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"), ("::", "::"), ("::1", "::1"),
        ("fe80::1%eth0", "fe80::1"), ("[2001:db8:0:1::]", "2001:db8:0:1::"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("2001:db8::", "2001:db8::"), ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"), ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
    ])
    func parsesAndPrintsCanonically(text: String, canonical: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 x", "a.b.c.d", ":::", "1::2::3",
                      "1:2:3:4:5:6:7:8:9", "12345::", "1:2:3:4:5:6:7", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "::ffff:1.2.3", "g::1", "user01"])
    func rejectsWhatIsNotAnAddress(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func prefixRowsAreSharedExactlyAsFarAsTheNetworksAgree() throws {
        let buckets = IPPrefixBuckets(rowCount: 1 << 20)
        let a = buckets.rows(of: try #require(IPAddress("81.2.69.160")))
        let sameSlash24 = buckets.rows(of: try #require(IPAddress("81.2.69.7")))
        let sameSlash16 = buckets.rows(of: try #require(IPAddress("81.2.200.7")))
        #expect(Array(a[0..<5]) == Array(sameSlash24[0..<5]))   // /8 ... /24
        #expect(a[6] != sameSlash24[6])                          // /32
        #expect(Array(a[0..<3]) == Array(sameSlash16[0..<3]))    // /8, /12, /16
        #expect(a[3] != sameSlash16[3] && a[4] != sameSlash16[4])
        let v6a = buckets.rows(of: try #require(IPAddress("2001:db8:aa:bb00::1")))
        let v6b = buckets.rows(of: try #require(IPAddress("2001:db8:aa:bb00:ffff::9")))
        let v6c = buckets.rows(of: try #require(IPAddress("2001:db8:ab::1")))
        #expect(v6a == v6b)                                      // same /64: interface ids carry no structure
        #expect(Array(v6a[0..<4]) == Array(v6c[0..<4]) && v6a[4] != v6c[4])  // share 2001:db8:00xx::/40 only
        #expect(Set(a).isDisjoint(with: Set(v6a)))
        #expect(buckets.rows(of: try #require(IPAddress("::ffff:81.2.69.160"))) == a)
    }

    @Test func accessLogLinesRoundTripAndBadLinesNameTheField() throws {
        let text = #"203.0.113.9 - alice [01/Oct/2026:10:00:07 +0200] "POST /login?next=%2F HTTP/1.1" 401 128 "https://shop.example.com/login" "Mozilla/5.0 \"quoted\"""#
        let line = try AccessLogLine(parsing: text)
        #expect(line.remoteAddress == "203.0.113.9" && line.user == "alice" && line.ident == nil)
        #expect(line.time == 1_790_841_607) // 08:00:07 UTC
        #expect(line.method == "POST" && line.path == "/login?next=%2F" && line.status == 401 && line.bytes == 128)
        #expect(line.userAgent == #"Mozilla/5.0 "quoted""#)
        #expect(line.formatted == text)
        let common = try AccessLogLine(parsing: #"::1 - - [31/Dec/2025:23:59:59 -0000] "GET / HTTP/1.0" 200 -"#)
        #expect(common.user == nil && common.bytes == nil && common.referer == nil && common.time == 1_767_225_599)
        #expect(throws: AccessLogLine.ParseError.self) { try AccessLogLine(parsing: #"1.2.3.4 - - [01/Oct/2026:10:00:07 +0000] "GET /" abc 1"#) }
        do {
            _ = try AccessLogLine(parsing: #"1.2.3.4 - bob [1/Oct/2026 10:00] "GET /" 200 1"#)
            Issue.record("a bad timestamp parsed")
        } catch {
            #expect(error.field == "time")
        }
    }

    @Test func entityFilterRemembersTrainedEntitiesAndRarelyClaimsOthers() {
        var filter = EntityFilter(entityVectors: 20_000)
        for index in 0..<10_000 { filter.insert(EntityKey("user\(index)")) }
        #expect((0..<10_000).allSatisfy { filter.contains(EntityKey("user\($0)")) })
        let falsePositives = (0..<100_000).filter { filter.contains(EntityKey("stranger\($0)")) }.count
        #expect(falsePositives < 100) // designed for ~0.05%
        #expect(filter.insertedCount == 10_000)
    }

    @Test func calibrationTurnsRatesIntoThresholdsAndBack() throws {
        let scores = (0..<100_000).map { Float($0) / 1_000 }  // uniform on [0, 100)
        let calibration = try #require(ScoreCalibration(scores: scores))
        #expect(abs(calibration.threshold(falsePositiveRate: 0.01) - 1) < 0.01)
        #expect(abs(calibration.threshold(falsePositiveRate: 0.0075) - 0.75) < 0.01)
        #expect(abs(calibration.normalShareBelow(5) - 0.05) < 0.001)
        #expect(calibration.normalShareBelow(-1) == 0)
    }
}
