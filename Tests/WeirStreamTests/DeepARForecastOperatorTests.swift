import Foundation
import Testing
import WeirCatalog
import WeirCore
import WeirDeepAR
import WeirStream

/// The `deepar_forecast` operator as a forecast feed: publishing cadence, the forecast
/// grid through gaps and late points, bounded series, refusals and bad input.
struct DeepARForecastOperatorTests {
    static let hour: Int64 = 3_600
    static let start: Int64 = 1_704_067_200

    /// A small hourly model trained on daily-seasonal series of two kinds (cat 0 and 1).
    static let modelBytes: [UInt8] = {
        var configuration = DeepARConfiguration(frequency: TimeFrequency("H")!, contextLength: 24, predictionLength: 6)
        configuration.cells = 12
        configuration.layers = 1
        configuration.cardinality = [2]
        configuration.embeddingDimension = 3
        let series = (0..<6).map { index in
            DeepARSeries(start: start, values: (0..<300).map { t in
                Double(10 + 10 * (index % 2)) + 5 * sin(2 * Double.pi * Double(t) / 24)
            }, categories: [index % 2])
        }
        let model = DeepARModel(configuration, seed: 3)
        model.train(series, epochs: 2, batchesPerEpoch: 5, batchSize: 8, learningRate: 0.01, seed: 3)
        return model.encoded()
    }()

    static func processor(_ folder: URL, extra: String = "") throws -> RecordProcessor {
        try Data(modelBytes).write(to: folder.appendingPathComponent("deepar.model"))
        let spec = try TopologyLoader.parse("""
            name: feed
            source: {file: {path: in.jsonl}}
            decode: {format: json, timestamp_field: ts}
            operators:
              - deepar_forecast:
                  model: \(folder.path)
                  key_field: series
                  value_field: value
                  cat_fields: [kind]
                  num_samples: 20
                  quantiles: [0.1, 0.9]
            \(extra)
            sinks: [stdout: {}]
            """, file: "feed.yaml", catalog: .weir)
        let processor = RecordProcessor(spec: spec, catalog: .weir)
        try processor.open()
        return processor
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-deepar-op-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func send(_ processor: RecordProcessor, series: String, time: Int64, value: String, kind: Int = 0, offset: Int = 0) throws(RecordError) -> Event {
        var events: [Event] = []
        let line = #"{"series":"\#(series)","ts":\#(time),"value":\#(value),"kind":\#(kind)}"#
        try processor.transform(RawRecord(key: nil, value: Array(line.utf8), origin: RecordOrigin(topic: "t", partition: 0, offset: Int64(offset))),
                                into: &events)
        return events[0]
    }

    @Test func publishesForecastsOnTheGridThroughGapsAndLatePoints() throws {
        let processor = try Self.processor(try Self.folder(), extra: "      every: 2\n      max_series: 3")
        var last: Event? = nil
        for step in 0..<30 {
            last = try Self.send(processor, series: "a", time: Self.start + Int64(step) * Self.hour, value: "\(10 + step % 24)", offset: step)
            #expect((last!.fields["forecast_mean"] != nil) == (step % 2 == 1), "published every 2nd observation")
        }
        guard case .array(let mean)? = last?.fields["forecast_mean"], case .object(let quantiles)? = last?.fields["forecast_quantiles"],
              case .array(let low)? = quantiles["0.1"], case .array(let high)? = quantiles["0.9"] else {
            Issue.record("no forecast fields"); return
        }
        #expect(mean.count == 6 && low.count == 6 && high.count == 6)
        // In the record's own time unit (its ts is in epoch seconds).
        #expect(last?.fields["forecast_start"] == .number(Double(Self.start + 30 * Self.hour)))
        // A 3-hour gap: the missing hours are filled, the forecast starts after the new point.
        _ = try Self.send(processor, series: "a", time: Self.start + 33 * Self.hour, value: "12", offset: 30)
        let afterGap = try Self.send(processor, series: "a", time: Self.start + 34 * Self.hour, value: "13", offset: 31)
        #expect(afterGap.fields["forecast_start"] == .number(Double(Self.start + 35 * Self.hour)))
        // A series whose times are milliseconds or ISO 8601 text gets its forecast start the same way.
        var millis: Event?, iso: Event?
        for step in 0..<2 {
            millis = try Self.send(processor, series: "ms", time: (Self.start + Int64(step) * Self.hour) * 1_000, value: "5", offset: 40 + step)
            var events: [Event] = []
            let text = EventTimeStyle.iso8601.value(ofMilliseconds: (Self.start + Int64(step) * Self.hour) * 1_000).stringValue ?? ""
            let line = #"{"series":"iso","ts":"\#(text)","value":5,"kind":0}"#
            try processor.transform(RawRecord(key: nil, value: Array(line.utf8), origin: RecordOrigin(topic: "t", partition: 0, offset: Int64(50 + step))),
                                    into: &events)
            iso = events.first
        }
        #expect(millis?.fields["forecast_start"] == .number(Double((Self.start + 2 * Self.hour) * 1_000)))
        #expect(iso?.fields["forecast_start"] == EventTimeStyle.iso8601.value(ofMilliseconds: (Self.start + 2 * Self.hour) * 1_000))
        // A late point inside the history updates it without publishing; a very old one is dropped.
        let late = try Self.send(processor, series: "a", time: Self.start + 31 * Self.hour, value: "11", offset: 32)
        #expect(late.fields["forecast_mean"] == nil)
        let ancient = try Self.send(processor, series: "a", time: Self.start - 1_000 * Self.hour, value: "11", offset: 33)
        #expect(ancient.fields["forecast_mean"] == nil)
        // Bounded memory: at most max_series series (plus one being added) are kept.
        for index in 0..<10 {
            for step in 0..<2 {
                _ = try Self.send(processor, series: "s\(index)", time: Self.start + Int64(step) * Self.hour, value: "5", kind: 1, offset: 40 + index * 2 + step)
            }
        }
        let op = try #require(processor.operators.first as? OnlineModelOperator<DeepARAlgorithm>)
        #expect(op.residentCount <= 4)
    }

    @Test func anEventTimeIntervalPacesTheFeed() throws {
        let processor = try Self.processor(try Self.folder(), extra: "      interval_ms: 10800000")
        var published: [Int] = []
        for step in 0..<10 {
            let event = try Self.send(processor, series: "a", time: Self.start + Int64(step) * Self.hour, value: "3", offset: step)
            if event.fields["forecast_mean"] != nil { published.append(step) }
        }
        #expect(published == [0, 3, 6, 9])
    }

    @Test func sameHistorySameForecastAndNewSeriesStartCold() throws {
        let folder = try Self.folder()
        let first = try Self.processor(folder), second = try Self.processor(folder)
        var a: Event? = nil, b: Event? = nil
        for step in 0..<5 {
            a = try Self.send(first, series: "x", time: Self.start + Int64(step) * Self.hour, value: "\(step)", kind: 1, offset: step)
            b = try Self.send(second, series: "x", time: Self.start + Int64(step) * Self.hour, value: "\(step)", kind: 1, offset: step)
        }
        #expect(a?.fields["forecast_mean"] != nil && a?.fields["forecast_mean"] == b?.fields["forecast_mean"])
    }

    /// weir predict refuses a category the model never saw (it was silently clamped to the
    /// last embedding) and a target beyond float32, naming the instance and field.
    @Test func predictionsRefuseUnseenCategoriesAndOverflowingTargets() throws {
        let predictor = DeepARPredictor(model: try DeepARModel(encoded: Self.modelBytes, name: "m"))
        func instance(_ target: String, cat: Int) throws -> JSONObject {
            guard case .object(let object) = try JSONParser.parse(Array(#"{"start":"2024-01-01 00:00:00","target":\#(target),"cat":[\#(cat)]}"#.utf8)) else {
                throw RecordError(.decode, "not an object")
            }
            return object
        }
        let history = "[" + (0..<30).map { _ in "12" }.joined(separator: ",") + "]"
        _ = try predictor.predict(instance: try instance(history, cat: 1), configuration: nil)
        #expect { try predictor.predict(instance: try instance(history, cat: 2), configuration: nil) } throws: {
            "\($0)".contains("field cat[0]: category 2 is outside the model's 0..<2")
        }
        let extreme = "[" + (0..<30).map { $0 == 3 ? "-1e300" : "12" }.joined(separator: ",") + "]"
        #expect { try predictor.predict(instance: try instance(extreme, cat: 0), configuration: nil) } throws: {
            "\($0)".contains("field target[3]") && "\($0)".contains("float32")
        }
    }

    @Test func badInputAndUnservableModelsAreNamed() throws {
        let processor = try Self.processor(try Self.folder())
        #expect { try Self.send(processor, series: "a", time: Self.start, value: "\"high\"") } throws: { ($0 as? RecordError)?.field == "value" }
        #expect { try Self.send(processor, series: "a", time: Self.start, value: "1", kind: 7) } throws: { ($0 as? RecordError)?.field == "kind" }
        // Values beyond float32 would overflow the network into a NaN forecast (and trapped the sampler).
        #expect { try Self.send(processor, series: "a", time: Self.start, value: "-1e300") } throws: {
            ($0 as? RecordError)?.field == "value" && "\($0)".contains("float32")
        }
        // Within float32 but so large the forecast overflows: refused by name, never published as NaN.
        for hour in 0..<29 { _ = try Self.send(processor, series: "b", time: Self.start + Int64(hour) * Self.hour, value: "12") }
        do {
            let event = try Self.send(processor, series: "b", time: Self.start + 29 * Self.hour, value: "3e38")
            if case .array(let mean)? = event.fields["forecast_mean"] { #expect(mean.allSatisfy { ($0.doubleValue ?? .nan).isFinite }) }
        } catch {
            #expect(error.field == "value" && error.message.contains("not finite"), "\(error)")
        }
        // A model with dynamic features cannot be served from a stream.
        var configuration = DeepARConfiguration(frequency: TimeFrequency("H")!, contextLength: 4, predictionLength: 2)
        configuration.dynamicFeatures = 1
        configuration.cells = 4
        let folder = try Self.folder()
        try Data(DeepARModel(configuration, seed: 1).encoded()).write(to: folder.appendingPathComponent("deepar.model"))
        let spec = try TopologyLoader.parse("""
            name: feed
            source: {file: {path: in.jsonl}}
            operators:
              - deepar_forecast: {model: \(folder.path)}
            sinks: [stdout: {}]
            """, file: "feed.yaml", catalog: .weir)
        #expect { try RecordProcessor(spec: spec, catalog: .weir).open() } throws: { "\($0)".contains("dynamic features") }
    }
}
