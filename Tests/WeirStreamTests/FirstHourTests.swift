import Foundation
import Testing
import WeirTestSupport

/// What a new user meets first (issue 17), run from the command line as they run it.
struct FirstHourTests {
    func write(_ text: String, to folder: URL, _ name: String) throws {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// One feature trained offline, published to production, served by a forest operator
    /// with default settings: the model decides the shingle size (1), so every record is
    /// scored by the published version and the spike stands out.
    @Test func trainPublishAndStreamWithDefaultSettings() throws {
        let folder = try TestPaths.scratchFolder("first-hour-publish")
        var train = "", stream = ""
        for step in 0..<2_000 { train += "\(10 + sin(Double(step) / 10))\n" }
        for step in 0..<300 {
            stream += #"{"ts":\#(1_700_000_000 + step),"host":"a","cpu":\#(10 + sin(Double(step) / 10) + (step == 250 ? 8 : 0))}"# + "\n"
        }
        try write(train, to: folder, "train.csv")
        try write(stream, to: folder, "stream.jsonl")
        let trained = try WeirProcess.run(["train", "rcf", "--channel", "train=train.csv", "--content-type", "train=text/csv;label_size=0",
                                           "--hp", "feature_dim=1", "--hp", "num_trees=50", "--hp", "num_samples_per_tree=256",
                                           "--model-dir", "model", "--publish", "spikes", "--stage", "production", "--registry", "reg"], in: folder)
        #expect(trained.status == 0, "\(trained.stderr)")
        let topology = """
            name: spikes
            source: {file: {path: stream.jsonl}}
            decode: {format: json, timestamp_field: ts}
            schema: {key: host, features: [cpu]}
            operators:
              - random_cut_forest:
                  model: {registry: reg, name: spikes, stage: production}
            sinks: [file: {path: out.jsonl}]
            dead_letter: {file: {path: dead.jsonl}}
            """
        try write(topology, to: folder, "spikes.yaml")
        let validated = try WeirProcess.run(["validate", "spikes.yaml"], in: folder)
        #expect(validated.status == 0, "\(validated.stderr)")
        let replayed = try WeirProcess.run(["replay", "spikes.yaml"], in: folder)
        #expect(replayed.status == 0, "\(replayed.stderr)")
        let lines = try String(contentsOf: folder.appendingPathComponent("out.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 300)
        #expect(lines.allSatisfy { $0.contains(#""model_version":"spikes:v1""#) })
        let alarms = lines.enumerated().filter { $0.element.contains(#""anomaly_grade":1"#) || $0.element.contains(#""anomaly_grade":0."#) }.map(\.offset)
        #expect(alarms.contains(250), "alarms at \(alarms)")
        #expect(((try? String(contentsOf: folder.appendingPathComponent("dead.jsonl"), encoding: .utf8)) ?? "").isEmpty)

        // A shingle size the model contradicts, a registry that is not there and a model
        // folder that is missing: validate names each operator's problem, all of them, and
        // creates nothing.
        let broken = """
            name: broken
            source: {file: {path: stream.jsonl}}
            decode: {format: json, timestamp_field: ts}
            schema: {key: host, features: [cpu]}
            operators:
              - random_cut_forest:
                  model: {registry: reg, name: spikes, stage: production}
                  shingle_size: 4
              - random_cut_forest:
                  model: {registry: nowhere, name: spikes}
              - predict:
                  model: missing-folder
            sinks: [file: {path: out.jsonl}]
            """
        try write(broken, to: folder, "broken.yaml")
        let refused = try WeirProcess.run(["validate", "broken.yaml"], in: folder)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("shingle_size 4 needs 4 (leave shingle_size out to take it from the model)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nowhere: no model registry here"), "\(refused.stderr)")
        #expect(refused.stderr.contains("missing-folder"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("nowhere").path))

        // Publishing with feature names the forest cannot take is refused.
        let misnamed = try WeirProcess.run(["models", "publish", "spikes", "--file", "model/forest.rcf", "--features", "cpu,mem",
                                            "--registry", "reg"], in: folder)
        #expect(misnamed.status == 2)
        #expect(misnamed.stderr.contains("not a multiple of the 2 features named"), "\(misnamed.stderr)")
        let listed = try WeirProcess.run(["models", "list", "--registry", "typo-reg"], in: folder)
        #expect(listed.status == 2 && listed.stderr.contains("no model registry here"), "\(listed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("typo-reg").path))

        // Versions as Weir prints them.
        let diffed = try WeirProcess.run(["models", "diff", "spikes", "spikes:v1", "v1", "--registry", "reg"], in: folder)
        #expect(diffed.status == 0 && diffed.stdout.contains("no differences"), "\(diffed.stderr)")
        let shown = try WeirProcess.run(["models", "show", "spikes", "v1", "--registry", "reg"], in: folder)
        #expect(shown.status == 0 && shown.stdout.contains(#""version""#), "\(shown.stderr)")
        // Tables under a header row; --json gives one document to parse.
        let table = try WeirProcess.run(["models", "list", "--registry", "reg"], in: folder)
        #expect(table.stdout.hasPrefix("NAME\tVERSION\tSTAGE\tALGORITHM\tPUBLISHED\nspikes\tv1\tproduction\trandomcutforest\t"), "\(table.stdout)")
        for command in [["list"], ["show", "spikes"]] {
            let document = try WeirProcess.run(["models"] + command + ["--json", "--registry", "reg"], in: folder)
            let parsed = try JSONSerialization.jsonObject(with: Data(document.stdout.utf8)) as? [String: Any]
            #expect((parsed?["versions"] as? [Any])?.count == 1, "\(command): \(document.stdout)")
            if command[0] == "show" { #expect((parsed?["audit"] as? [Any])?.isEmpty == false, "\(document.stdout)") }
        }
        let wrong = try WeirProcess.run(["models", "promote", "spikes", "version1", "--registry", "reg"], in: folder)
        #expect(wrong.status != 0 && wrong.stderr.contains("version1"), "\(wrong.stderr)")
    }

    /// A one-column CSV trained as SageMaker reads CSV (label first): the error says the
    /// column went to the label and how to say there is none, for every algorithm that
    /// checks the width, and the hint's content type works as written.
    @Test(arguments: [["kmeans", "--hp", "k=2"], ["rcf"], ["pca", "--hp", "num_components=1", "--hp", "mini_batch_size=10"]])
    func aOneColumnCSVSaysItsColumnWasTheLabel(algorithm: [String]) throws {
        let folder = try TestPaths.scratchFolder("first-hour-one-column-\(algorithm[0])")
        try write((0..<50).map { "\(Double($0) / 7)" }.joined(separator: "\n") + "\n", to: folder, "one.csv")
        let base = ["train", algorithm[0], "--channel", "train=one.csv", "--hp", "feature_dim=1", "--model-dir", "model"] + algorithm.dropFirst()
        let failed = try WeirProcess.run(base, in: folder)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("has 0 values; feature_dim is 1; the first column was read as the label"), "\(failed.stderr)")
        #expect(failed.stderr.contains("--content-type 'train=text/csv;label_size=0'"), "\(failed.stderr)")
        let fixed = try WeirProcess.run(base + ["--content-type", "train=text/csv;label_size=0"], in: folder)
        #expect(fixed.status == 0, "\(fixed.stderr)")
    }

    /// An embedded-broker run's topics vanish with the process: `--capture-outputs` keeps
    /// them as JSON lines, the good records in the sink topic's file and the poison one in
    /// the dead-letter topic's.
    @Test func anEmbeddedBrokerRunKeepsItsOutputs() throws {
        let folder = try TestPaths.scratchFolder("first-hour-capture")
        try write((0..<50).map { #"{"host":"h\#($0 % 3)","cpu":\#($0)}"# }.joined(separator: "\n") + "\n{oops\n", to: folder, "in.jsonl")
        try write("""
            name: capture
            source: {kafka: {topics: [metrics], group: capture-test}}
            decode: {format: json}
            operators:
              - filter: {field: cpu, op: ">=", value: 10}
            sinks: [kafka: {topic: metrics.out}]
            dead_letter: {kafka: {topic: metrics.dead}}
            """, to: folder, "capture.yaml")
        let run = try WeirProcess.run(["run", "capture.yaml", "--embedded-broker", "--seed", "in.jsonl", "--stop-when-idle", "3",
                                       "--capture-outputs", "outputs"], in: folder)
        #expect(run.status == 0, "\(run.stderr.suffix(1500))")
        #expect(run.stdout.contains("metrics.out: 40 records in outputs/metrics.out.jsonl"), "\(run.stdout)")
        let out = try String(contentsOf: folder.appendingPathComponent("outputs/metrics.out.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(out.count == 40 && out.allSatisfy { $0.hasPrefix("{") })
        let dead = try String(contentsOf: folder.appendingPathComponent("outputs/metrics.dead.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(dead.count == 1)
    }

    @Test func runWithoutABrokerSaysSoAtOnce() throws {
        let folder = try TestPaths.scratchFolder("first-hour-no-broker")
        try write("name: x\nsource: {kafka: {topics: [a], group: g}}\nsinks: [stdout: {}]\n", to: folder, "x.yaml")
        let started = Date()
        let run = try WeirProcess.run(["run", "x.yaml"], in: folder)
        #expect(run.status == 1)
        #expect(run.stderr.contains("no Kafka bootstrap servers given"), "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 10, "it does not wait for a broker nobody named")
    }

    /// The project's own labelled sets put a time first and the label last: converting one
    /// with SageMaker's convention says which column became the label.
    @Test func convertSaysWhichColumnBecameTheLabel() throws {
        let folder = try TestPaths.scratchFolder("first-hour-label-column")
        try write("t,value,label\n0,50.1,0\n1,50.3,1\n", to: folder, "series.csv")
        try write("label,a,b\n1,2,3\n", to: folder, "good.csv")
        let converted = try WeirProcess.run(["convert", "series.csv", "series.jsonl", "--header"], in: folder)
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stderr.contains("note: series.csv: the label is read from the first column ('t')"), "\(converted.stderr)")
        #expect(converted.stderr.contains("column 3 is named 'label'"), "\(converted.stderr)")
        let inspected = try WeirProcess.run(["inspect", "series.csv", "--header"], in: folder)
        #expect(inspected.stderr.contains("column 3 is named 'label'"), "\(inspected.stderr)")
        for quiet in [["convert", "series.csv", "all.jsonl", "--header", "--label-size", "0"], ["convert", "good.csv", "good.jsonl", "--header"]] {
            let result = try WeirProcess.run(quiet, in: folder)
            #expect(result.status == 0 && !result.stderr.contains("note:"), "\(quiet): \(result.stderr)")
        }
    }

    /// SageMaker's algorithms read gzip files (`CompressionType: Gzip`): training, inspect,
    /// predict and a replayed file source read `.gz` data as the plain data it holds, and a
    /// truncated file fails naming itself.
    @Test func compressedInputsReadLikePlainOnes() throws {
        let folder = try TestPaths.scratchFolder("first-hour-gzip")
        var rows = "", events = ""
        for row in 0..<600 {
            let x = Double(row % 3) * 5 + sin(Double(row)), y = Double(row % 3) * -4 + cos(Double(row))
            rows += "\(x),\(y)\n"
            events += #"{"ts":\#(1_700_000_000 + row),"host":"h\#(row % 2)","cpu":\#(x)}"# + "\n"
        }
        try write(rows, to: folder, "points.csv")
        try write(events, to: folder, "events.jsonl")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", "-f", "points.csv", "events.jsonl"]
        gzip.currentDirectoryURL = folder
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)

        for (input, model) in [("points.csv", "plain"), ("points.csv.gz", "gzip")] {
            let trained = try WeirProcess.run(["train", "kmeans", "--channel", "train=\(input)", "--content-type", "train=text/csv;label_size=0",
                                               "--hp", "feature_dim=2", "--hp", "k=3", "--hp", "seed=7", "--model-dir", model], in: folder)
            #expect(trained.status == 0, "\(trained.stderr)")
        }
        let plainModel = try Data(contentsOf: folder.appendingPathComponent("plain/model.json"))
        #expect(try Data(contentsOf: folder.appendingPathComponent("gzip/model.json")) == plainModel)

        let inspected = try WeirProcess.run(["inspect", "points.csv.gz", "--label-size", "0", "--limit", "2"], in: folder)
        #expect(inspected.status == 0 && inspected.stdout.split(separator: "\n").count == 2, "\(inspected.stderr)")
        let predictedPlain = try WeirProcess.run(["predict", "--model", "plain", "--input", "points.csv"], in: folder)
        let predictedGzip = try WeirProcess.run(["predict", "--model", "plain", "--input", "points.csv.gz"], in: folder)
        #expect(predictedGzip.status == 0, "\(predictedGzip.stderr)")
        #expect(predictedGzip.stdout == predictedPlain.stdout && predictedGzip.stdout.contains("closest_cluster"))

        try write("""
            name: zipped
            source: {file: {path: events.jsonl.gz}}
            decode: {format: json, timestamp_field: ts}
            schema: {key: host, features: [cpu]}
            operators:
              - filter: {field: cpu, op: ">=", value: 5}
            sinks: [file: {path: out.jsonl}]
            """, to: folder, "zipped.yaml")
        let replayed = try WeirProcess.run(["replay", "zipped.yaml"], in: folder)
        #expect(replayed.status == 0, "\(replayed.stderr)")
        let kept = try String(contentsOf: folder.appendingPathComponent("out.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(kept.count == (0..<600).filter { Double($0 % 3) * 5 + sin(Double($0)) >= 5 }.count)

        let compressed = try Data(contentsOf: folder.appendingPathComponent("points.csv.gz"))
        try compressed.prefix(compressed.count / 2).write(to: folder.appendingPathComponent("cut.csv.gz"))
        let cut = try WeirProcess.run(["train", "kmeans", "--channel", "train=cut.csv.gz", "--content-type", "train=text/csv;label_size=0",
                                       "--hp", "feature_dim=2", "--hp", "k=3", "--model-dir", "cut"], in: folder)
        #expect(cut.status != 0)
        #expect(cut.stderr.contains("cut.csv.gz") && cut.stderr.contains("truncated file?"), "\(cut.stderr)")
    }

    /// A topology's paths are its own: run from another folder (and validated from it),
    /// the file source, the sink and the model folder are found beside the topology, and a
    /// registry reference without `registry` finds the registry `weir train --publish` made
    /// in the working directory.
    @Test func topologyPathsAreRelativeToTheTopologyFile() throws {
        let folder = try TestPaths.scratchFolder("first-hour-paths")
        let project = folder.appendingPathComponent("project")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        var events = "", train = ""
        for step in 0..<200 {
            events += #"{"ts":\#(1_700_000_000 + step),"host":"h","cpu":\#(Double(step % 10))}"# + "\n"
            train += "\(Double(step % 10))\n"
        }
        try write(events, to: project, "events.jsonl")
        try write(train, to: folder, "train.csv")
        let trained = try WeirProcess.run(["train", "rcf", "--channel", "train=train.csv", "--content-type", "train=text/csv;label_size=0",
                                           "--hp", "feature_dim=1", "--hp", "num_samples_per_tree=64", "--model-dir", "project/forest",
                                           "--publish", "cpu", "--stage", "production"], in: folder)
        #expect(trained.status == 0, "\(trained.stderr)")
        try write("""
            name: local
            source: {file: {path: events.jsonl}}
            decode: {format: json, timestamp_field: ts}
            schema: {key: host, features: [cpu]}
            operators:
              - predict: {model: forest, features: [cpu], output_prefix: file_}
              - random_cut_forest: {model: {name: cpu}}
            sinks: [file: {path: scored.jsonl}]
            """, to: project, "local.yaml")
        let validated = try WeirProcess.run(["validate", "project/local.yaml"], in: folder)
        #expect(validated.status == 0, "\(validated.stderr)")
        let replayed = try WeirProcess.run(["replay", "project/local.yaml"], in: folder)
        #expect(replayed.status == 0, "\(replayed.stderr)")
        let scored = try String(contentsOf: project.appendingPathComponent("scored.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(scored.count == 200)
        #expect(scored.last?.contains(#""model_version":"cpu:v1""#) == true && scored.last?.contains(#""file_score""#) == true,
                "\(scored.last ?? "")")
    }

    /// A topology with several mistakes: `weir validate` names every one (file, line, key)
    /// in one run instead of stopping at the first.
    @Test func validateReportsEveryMistakeOfAFile() throws {
        let folder = try TestPaths.scratchFolder("first-hour-many-errors")
        try write("""
            name: many
            colour: blue
            source: {file: {path: in.jsonl, pace: warp}}
            operators:
              - filter: {field: cpu, op: "~", value: 1}
              - key_by: {field: host}
            sinks:
              - fil: {path: out.jsonl}
            metrics_port: 70000
            """, to: folder, "many.yaml")
        let result = try WeirProcess.run(["validate", "many.yaml"], in: folder)
        #expect(result.status == 2)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 5, "\(result.stderr)")
        for expected in ["many.yaml:2: key 'colour': unknown key", "many.yaml:3: key 'source.file.pace'", "many.yaml:5: key 'operators[0].filter.op'",
                         "many.yaml:8: key 'sinks[0]'", "many.yaml:9: key 'metrics_port'"] {
            #expect(errors.contains { $0.contains(expected) }, "\(expected) in \(result.stderr)")
        }
    }

    /// Log lines lead with their message; the details follow as logfmt pairs.
    @Test func logLinesLeadWithTheMessage() throws {
        let folder = try TestPaths.scratchFolder("first-hour-log-lines")
        try write(#"{"cpu":1}"# + "\n{oops\n", to: folder, "in.jsonl")
        try write("name: logs\nsource: {file: {path: in.jsonl}}\nsinks: [file: {path: out.jsonl}]\ndead_letter: {file: {path: dead.jsonl}}\n",
                  to: folder, "logs.yaml")
        let result = try WeirProcess.run(["replay", "logs.yaml"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z [a-z]+ [a-z_.-]+: [a-z]"#, options: .regularExpression) != nil },
                "\(result.stderr)")
        #expect(!result.stderr.contains("[WeirStream]"), "no source-module tags")
        // The summary: message first, then its fields, quoted where they hold spaces or '='.
        #expect(lines.contains { $0.hasSuffix(#" info weir.replay: replay finished file=in.jsonl stats="in=2 out=1 dead_lettered=1""#) },
                "\(result.stderr)")
    }

    /// A training CSV with a header row SageMaker's convention does not expect: the error on
    /// line 1 says it may be a header and how to declare one, and the declared form trains.
    @Test func aHeaderRowIsNamedAsSuchWhenTrainingFails() throws {
        let folder = try TestPaths.scratchFolder("first-hour-header")
        try write("width,height\n" + (0..<40).map { "\($0 % 4),\($0 % 7)" }.joined(separator: "\n") + "\n", to: folder, "sizes.csv")
        let base = ["train", "kmeans", "--channel", "train=sizes.csv", "--hp", "feature_dim=2", "--hp", "k=2", "--model-dir", "model"]
        let failed = try WeirProcess.run(base + ["--content-type", "train=text/csv;label_size=0"], in: folder)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("sizes.csv: line 1: field 1: expected a number, found 'width' (if line 1 is a header row, say so"), "\(failed.stderr)")
        let declared = try WeirProcess.run(base + ["--content-type", "train=text/csv;label_size=0;header=present"], in: folder)
        #expect(declared.status == 0, "\(declared.stderr)")
    }
}
