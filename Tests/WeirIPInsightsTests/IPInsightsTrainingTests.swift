import Testing
import WeirMath
@testable import WeirIPInsights

@Suite struct IPInsightsTrainingTests {
    static func train(users: Int, seed: UInt64, epochs: Int = 2) -> IPInsightsModel {
        var configuration = WeblogSimulator.Configuration()
        configuration.users = users
        let simulator = WeblogSimulator(configuration)
        let events = simulator.events().filter { simulator.period(of: $0) == .train && $0.succeeded }
        let model = IPInsightsModel(configuration: .init(vectorDimension: 16, entityVectors: users * 2, ipVectors: 4_096, encoderLayers: 2),
                                    seed: seed)
        let trainer = IPInsightsTrainer(model: model, options: .init(learningRate: 0.01, prefixDropout: 0.4), seed: seed)
        let rows = events.map { trainer.model.entityRow(EntityKey($0.user)) }
        for _ in 0..<epochs {
            var start = 0
            while start < events.count {
                let end = min(start + 256, events.count)
                trainer.train(entityRows: Array(rows[start..<end]), addresses: events[start..<end].map(\.address))
                start = end
            }
        }
        return trainer.model
    }

    @Test func sameSeedTrainsTheSameModelAndAnotherSeedDoesNot() {
        let first = Self.train(users: 300, seed: 4)
        #expect(first.encoded() == Self.train(users: 300, seed: 4).encoded())
        #expect(first.encoded() != Self.train(users: 300, seed: 5).encoded())
    }

    @Test func simulatorIsDeterministicAndShapedAsDocumented() {
        var configuration = WeblogSimulator.Configuration()
        configuration.users = 2_000
        let simulator = WeblogSimulator(configuration)
        let events = simulator.events()
        #expect(events == simulator.events())
        #expect(events.map(\.time) == events.map(\.time).sorted())
        let attacks = events.filter(\.isAttack)
        #expect(abs(Double(attacks.count) / Double(events.count) - configuration.attackRate) < 0.001)
        #expect(Double(attacks.filter(\.succeeded).count) / Double(attacks.count) < 0.3)
        #expect(events.contains { !$0.address.isIPv4 } && events.contains { $0.origin == .mobile })
        // Heavy-tailed activity: the busiest 10% of users make far more than 10% of logins.
        var perUser: [String: Int] = [:]
        for event in events where !event.isAttack { perUser[event.user, default: 0] += 1 }
        let counts = perUser.values.sorted(by: >)
        #expect(Double(counts.prefix(counts.count / 10).reduce(0, +)) / Double(counts.reduce(0, +)) > 0.25)
        let periods = Set(events.map { simulator.period(of: $0) })
        #expect(periods == [.train, .validation, .test])
    }
}
