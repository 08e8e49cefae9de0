import Foundation
import WeirMath

/// Writes a simulated weblog as the files a user of IP Insights works with:
/// `train.csv` and `validation.csv` (headerless `entity,ip` of the successful logins of
/// those periods, as one would train on), `test.csv` (every login of the test period),
/// `test-labels.csv` (with header: time, user, ip, status, origin, is_attack), and
/// `access.log` (the test period as Combined Log Format lines, logins between page
/// requests without a user).
public enum WeblogDataset {
    public struct Summary: Sendable, Equatable {
        public var train = 0, validation = 0, test = 0, testAttacks = 0, logLines = 0
    }

    public static func write(_ simulator: WeblogSimulator, to folder: String) throws -> Summary {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var summary = Summary()
        var train = "", validation = "", test = "", labels = "time,user,ip,status,origin,is_attack\n", log = ""
        var random = RandomSource(seed: simulator.configuration.seed ^ 0x109)
        for event in simulator.events() {
            let pair = "\(event.user),\(event.address)\n"
            switch simulator.period(of: event) {
            case .train where event.succeeded:
                train += pair
                summary.train += 1
            case .validation where event.succeeded:
                validation += pair
                summary.validation += 1
            case .test:
                test += pair
                summary.test += 1
                if event.isAttack { summary.testAttacks += 1 }
                labels += "\(event.time),\(event.user),\(event.address),\(event.status),\(event.origin.rawValue),\(event.isAttack ? 1 : 0)\n"
                log += WeblogSimulator.logLine(event, random: &random) + "\n"
                summary.logLines += 1
                if random.uniform() < 0.5 {
                    log += WeblogSimulator.pageLine(event, random: &random) + "\n"
                    summary.logLines += 1
                }
            default: break
            }
        }
        for (name, text) in [("train.csv", train), ("validation.csv", validation), ("test.csv", test),
                             ("test-labels.csv", labels), ("access.log", log)] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folder).appendingPathComponent(name))
        }
        return summary
    }
}
