import ArgumentParser
import Foundation
import WeirDeepAR
import WeirIPInsights

/// `weir generate weblog`: writes a simulated login log and IP Insights training data
/// (see `WeblogSimulator` for the model of users, networks and attackers).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write simulated datasets.",
        subcommands: [Weblog.self, Series.self]
    )

    struct Weblog: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulated web logins for IP Insights: train.csv, validation.csv, test.csv, test-labels.csv and access.log (the test period).")

        @Option(help: "Simulated users.") var users = 10_000
        @Option(help: "Days simulated (train, then validation, then test).") var days = 45
        @Option(help: "Days of training data.") var trainDays = 35
        @Option(help: "Days of validation data.") var validationDays = 5
        @Option(help: "Median logins per user per 30 days (log-normal).") var medianLogins = 16.0
        @Option(help: "Share of events that are attacks.") var attackRate = 0.005
        @Option(help: "Share of legitimate logins from travel networks.") var travelRate = 0.005
        @Option(help: "Random seed (same seed, same data).") var seed: UInt64 = 7
        @Option(help: "Output folder.") var out: String

        func validate() throws {
            guard users > 0, days > 0, trainDays > 0, validationDays >= 0, trainDays + validationDays < days else {
                throw ValidationError("need users > 0 and train-days + validation-days < days")
            }
            guard (0..<1).contains(attackRate), (0..<1).contains(travelRate), medianLogins > 0 else {
                throw ValidationError("rates must be in [0, 1) and median-logins positive")
            }
        }

        func run() throws {
            var configuration = WeblogSimulator.Configuration()
            configuration.users = users
            configuration.days = days
            configuration.trainDays = trainDays
            configuration.validationDays = validationDays
            configuration.medianLogins = medianLogins
            configuration.attackRate = attackRate
            configuration.travelRate = travelRate
            configuration.seed = seed
            let summary = try WeblogDataset.write(WeblogSimulator(configuration), to: out)
            print("wrote \(out): train \(summary.train) pairs, validation \(summary.validation), test \(summary.test) logins "
                  + "(\(summary.testAttacks) attacks), access.log \(summary.logLines) lines")
        }
    }

    struct Series: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulated hourly related series for DeepAR: train.jsonl, test.jsonl and observations.jsonl (the test window as a stream).")

        @Option(help: "Number of series.") var series = 100
        @Option(help: "Hourly points per series.") var length = 24 * 42
        @Option(help: "Points held out for the test window.") var predictionLength = 24
        @Option(help: "Noise, as a share of each series' level.") var noise = 0.08
        @Option(help: "Last points per series written to observations.jsonl.") var streamLength = 240
        @Option(help: "Random seed.") var seed: UInt64 = 11
        @Option(help: "Output folder.") var out: String

        func validate() throws {
            guard series > 0, predictionLength > 0, length > predictionLength, noise >= 0 else {
                throw ValidationError("need series > 0, length > prediction-length > 0 and noise >= 0")
            }
        }

        func run() throws {
            var configuration = SeriesSimulator.Configuration()
            configuration.series = series
            configuration.length = length
            configuration.predictionLength = predictionLength
            configuration.noise = noise
            configuration.streamLength = streamLength
            configuration.seed = seed
            try SeriesSimulator(configuration).write(to: out)
            print("wrote \(out): \(series) hourly series of \(length) points (the last \(predictionLength) held out)")
        }
    }
}
