import WeirCore
import WeirMath

/// Simulates the login events of a web service, for training and testing IP Insights
/// where no real labelled log is at hand. The address space is carved into networks of
/// realistic, varying sizes, so that prefix structure matters as it does on the
/// Internet:
///
/// - residential ISPs own 1-4 /16 pools; each customer lives in one /22 region of a pool
///   and gets a new address in it from time to time (and rarely moves to another region);
///   a fifth of the ISPs are dual-stack, with a /32 IPv6 block and a /56 per customer;
/// - companies own a /24 to /28 inside business /16s; most users log in from work too;
/// - mobile carriers own a /12 each and hand out any address in it (carrier-grade NAT);
/// - hotels, cafes and airports own /24s anyone may log in from while travelling;
/// - attackers log in to existing accounts from hosting providers' /20s or from hijacked
///   residential addresses, one address trying several accounts (credential stuffing).
///
/// Activity per user is heavy-tailed (log-normal event counts). Events are spread over
/// `days` days and split by time into train, validation and test periods. A few
/// legitimate logins fail (3%, a mistyped password); most attacks fail (80%).
public struct WeblogSimulator: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var users = 10_000
        public var days = 45
        /// Median logins per user per 30 days (log-normal, sigma `activitySpread`).
        public var medianLogins = 16.0
        public var activitySpread = 1.0
        /// Share of events that are attacks.
        public var attackRate = 0.005
        /// Share of legitimate events from a travel network.
        public var travelRate = 0.005
        /// Epoch seconds of the first day (default 2026-10-01T00:00:00Z).
        public var start: Int64 = 1_790_812_800
        public var trainDays = 35
        public var validationDays = 5
        public var seed: UInt64 = 7

        public init() {}
    }

    /// Where a login came from.
    public enum Origin: String, Sendable, CaseIterable {
        case home, work, mobile, travel, attack
    }

    public struct LoginEvent: Sendable, Equatable {
        public var time: Int64
        public var user: String
        public var address: IPAddress
        public var origin: Origin
        /// The HTTP status of the login: 200, or 401 for a failed one.
        public var status: Int
        public var isAttack: Bool { origin == .attack }
        public var succeeded: Bool { status == 200 }
    }

    public enum Period: String, Sendable { case train, validation, test }

    public let configuration: Configuration

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func period(of event: LoginEvent) -> Period {
        let day = (event.time - configuration.start) / 86_400
        if day < configuration.trainDays { return .train }
        if day < configuration.trainDays + configuration.validationDays { return .validation }
        return .test
    }

    struct Block {
        let base: UInt32
        let prefix: Int
        var size: UInt32 { UInt32(1) << UInt32(32 - prefix) }
        func address(_ random: inout RandomSource) -> UInt32 { base &+ UInt32(random.uniformInt(below: Int(size))) }
    }

    struct User {
        let name: String
        let isp: Int
        var homeBlock: Block
        let ipv6Prefix: UInt64?
        let company: Int?
        let carrier: Int?
        var homeAddress: UInt32
    }

    /// All events of the period, in time order.
    public func events() -> [LoginEvent] {
        var random = RandomSource(seed: configuration.seed)
        var usedSlash16 = Set<UInt32>()
        func freeSlash16(_ count: Int = 1) -> UInt32 {
            // `count` consecutive free /16s, aligned to `count`, in public unicast space (1-223.x).
            while true {
                let first = UInt32(1 + random.uniformInt(below: 223)) << 8 | UInt32(random.uniformInt(below: 256))
                let aligned = first / UInt32(count) * UInt32(count)
                let range = (aligned..<aligned + UInt32(count))
                guard aligned >> 8 >= 1, (aligned + UInt32(count) - 1) >> 8 <= 223,
                      !range.contains(where: { usedSlash16.contains($0) || $0 >> 8 == 10 || $0 >> 8 == 127 }) else { continue }
                for slash16 in range { usedSlash16.insert(slash16) }
                return aligned << 16
            }
        }
        let ispCount = max(10, configuration.users / 60)
        let isps: [[Block]] = (0..<ispCount).map { _ in
            (0..<(1 + random.uniformInt(below: 4))).map { _ in Block(base: freeSlash16(), prefix: 16) }
        }
        let ispIPv6: [UInt64?] = (0..<ispCount).map { _ in
            random.uniform() < 0.2 ? (0x2000_0000 | (random.next() & 0x1FFF_FFFF)) << 32 : nil
        }
        // Companies: /24 to /28 blocks packed into business /16s.
        var companies: [Block] = []
        var businessBase = freeSlash16(), businessOffset: UInt32 = 0
        for _ in 0..<max(20, configuration.users / 5) {
            let prefix = 24 + random.uniformInt(below: 5)
            let size = UInt32(1) << UInt32(32 - prefix)
            businessOffset = (businessOffset + size - 1) / size * size
            if businessOffset + size > 65_536 { businessBase = freeSlash16(); businessOffset = 0 }
            companies.append(Block(base: businessBase + businessOffset, prefix: prefix))
            businessOffset += size
        }
        let carriers: [Block] = (0..<6).map { _ in Block(base: freeSlash16(16), prefix: 12) }
        let travelNetworks: [Block] = (0..<max(50, configuration.users / 3)).map { _ in
            Block(base: freeSlash16() + UInt32(random.uniformInt(below: 256)) << 8, prefix: 24)
        }
        let hosting: [Block] = (0..<max(20, configuration.users / 30)).map { _ in
            Block(base: freeSlash16() + UInt32(random.uniformInt(below: 16)) << 12, prefix: 20)
        }

        let width = String(configuration.users).count
        var users: [User] = (0..<configuration.users).map { index in
            let isp = random.uniformInt(below: ispCount)
            let pool = isps[isp][random.uniformInt(below: isps[isp].count)]
            let home = Block(base: pool.base + UInt32(random.uniformInt(below: 64)) << 10, prefix: 22)
            let digits = String(index + 1)
            return User(name: "user" + String(repeating: "0", count: width - digits.count) + digits, isp: isp, homeBlock: home,
                        ipv6Prefix: ispIPv6[isp].map { $0 | (random.next() & 0xFFFF_FF00) },
                        company: random.uniform() < 0.7 ? random.uniformInt(below: companies.count) : nil,
                        carrier: random.uniform() < 0.4 ? random.uniformInt(below: carriers.count) : nil,
                        homeAddress: home.address(&random))
        }

        let seconds = Int64(configuration.days) * 86_400
        var events: [LoginEvent] = []
        for index in users.indices {
            let median = configuration.medianLogins * Double(configuration.days) / 30
            let logins = min(5_000, max(1, Int(median * Double.exp(configuration.activitySpread * random.normal()))))
            for _ in 0..<logins {
                let time = configuration.start + Int64(random.uniformInt(below: Int(seconds)))
                let draw = random.uniform()
                var user = users[index]
                let address: IPAddress
                let origin: Origin
                if draw < configuration.travelRate {
                    origin = .travel
                    address = IPAddress(ipv4: travelNetworks[random.uniformInt(below: travelNetworks.count)].address(&random))
                } else if draw < 0.27, let company = user.company {
                    origin = .work
                    address = IPAddress(ipv4: companies[company].address(&random))
                } else if draw < 0.40, let carrier = user.carrier {
                    origin = .mobile
                    address = IPAddress(ipv4: carriers[carrier].address(&random))
                } else {
                    origin = .home
                    // DHCP: a new address in the home region now and then; rarely a move to another region.
                    if random.uniform() < 0.002 {
                        let pool = isps[user.isp][random.uniformInt(below: isps[user.isp].count)]
                        user.homeBlock = Block(base: pool.base + UInt32(random.uniformInt(below: 64)) << 10, prefix: 22)
                        user.homeAddress = user.homeBlock.address(&random)
                    } else if random.uniform() < 0.08 {
                        user.homeAddress = user.homeBlock.address(&random)
                    }
                    if let prefix = user.ipv6Prefix, random.uniform() < 0.5 {
                        address = IPAddress(high: prefix | UInt64(random.uniformInt(below: 256)), low: random.next())
                    } else {
                        address = IPAddress(ipv4: user.homeAddress)
                    }
                    users[index] = user
                }
                events.append(LoginEvent(time: time, user: user.name, address: address, origin: origin,
                                         status: random.uniform() < 0.03 ? 401 : 200))
            }
        }
        // Attacks: each campaign address tries 1-20 accounts within an hour.
        let attackTarget = Int(Double(events.count) * configuration.attackRate / (1 - configuration.attackRate))
        var attacks = 0
        while attacks < attackTarget {
            let address: UInt32
            if random.uniform() < 0.5 {
                address = hosting[random.uniformInt(below: hosting.count)].address(&random)
            } else {
                let isp = isps[random.uniformInt(below: ispCount)]
                address = isp[random.uniformInt(below: isp.count)].address(&random)
            }
            let start = configuration.start + Int64(random.uniformInt(below: Int(seconds - 3600)))
            for _ in 0..<min(attackTarget - attacks, 1 + random.uniformInt(below: 20)) {
                let victim = users[random.uniformInt(below: users.count)]
                events.append(LoginEvent(time: start + Int64(random.uniformInt(below: 3600)), user: victim.name,
                                         address: IPAddress(ipv4: address), origin: .attack,
                                         status: random.uniform() < 0.8 ? 401 : 200))
                attacks += 1
            }
        }
        events.sort { ($0.time, $0.user) < ($1.time, $1.user) }
        return events
    }

    /// The event as an access-log line: a form login (`POST /login`) with the account in
    /// the user field.
    public static func logLine(_ event: LoginEvent, random: inout RandomSource) -> String {
        let agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Safari/537.36",
                      "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
                      "python-requests/2.32.3"]
        let agent = event.isAttack ? agents[3] : agents[random.uniformInt(below: 3)]
        return AccessLogLine(remoteAddress: event.address.description, user: event.user, time: event.time, method: "POST",
                             path: "/login", status: event.status, bytes: event.succeeded ? 512 : 128,
                             referer: "https://shop.example.com/login", userAgent: agent).formatted
    }

    /// A page or asset request without a login (the rest of a real log).
    public static func pageLine(_ event: LoginEvent, random: inout RandomSource) -> String {
        let paths = ["/", "/static/app.js", "/static/style.css", "/products?page=2", "/cart"]
        return AccessLogLine(remoteAddress: event.address.description, user: nil, time: event.time + 2, method: "GET",
                             path: paths[random.uniformInt(below: paths.count)], status: 200, bytes: 1_000 + random.uniformInt(below: 50_000),
                             referer: "-", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/131.0").formatted
    }
}
