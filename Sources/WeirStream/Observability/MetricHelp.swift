/// The `# HELP` text of every metric Weir exposes. swift-metrics has no help text, so
/// the metrics endpoint adds these lines to the exposition before each `# TYPE` line.
public enum MetricHelp {
    public static let texts: [String: String] = [
        "weir_records_in_total": "Records consumed, per source topic.",
        "weir_records_out_total": "Records written, per sink.",
        "weir_records_dead_lettered_total": "Records sent to the dead-letter sink with their reason, per source topic.",
        "weir_consumer_lag": "Records behind the partition's high watermark, per assigned partition (0 until the first record).",
        "weir_processing_latency_seconds": "Time from consuming a record to handing its outputs to the sinks.",
        "weir_rebalances_total": "Partition assignments received from the consumer group.",
        "weir_commit_failures_total": "Offset commits that failed (retried at the next checkpoint).",
        "weir_delivery_failures_total": "Outputs the broker did not acknowledge.",
        "weir_committed_offsets_backwards_total": "Assignments that found a committed offset below one this instance had committed.",
        "weir_model_reloads_total": "Model versions loaded from the registry, per model.",
        "weir_model_rejections_total": "Model versions refused on load (damaged, wrong algorithm or features), per model.",
        "weir_model_guardrail_rollbacks_total": "Rollbacks by the serving guardrails, per model.",
        "weir_online_records_total": "Records scored by an online operator.",
        "weir_online_scoring_seconds": "Time an online operator takes per record.",
        "weir_online_verdicts_total": "Online operator outcomes per verdict (normal, anomalous, or why no decision was made).",
        "weir_shadow_records_total": "Records also scored by the shadow model.",
        "weir_shadow_agreements_total": "Shadow verdicts that agreed with the served model's.",
        "weir_shadow_scoring_seconds": "Time the shadow model takes per record.",
        "weir_predict_answered_total": "Records answered by predict operators.",
        "weir_predict_seconds": "Time a predict operator takes per record.",
    ]

    /// The exposition with a `# HELP` line before each `# TYPE` line that lacks one.
    public static func annotate(_ exposition: [UInt8]) -> [UInt8] {
        var lines: [ArraySlice<UInt8>] = []
        var previousWasHelp = false
        for line in exposition.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if line.starts(with: "# TYPE ".utf8), !previousWasHelp {
                let name = String(decoding: line.dropFirst(7).prefix { $0 != 0x20 }, as: UTF8.self)
                let help = texts[name] ?? name.replacingOccurrences(of: "_", with: " ")
                lines.append(ArraySlice("# HELP \(name) \(help)".utf8))
            }
            previousWasHelp = line.starts(with: "# HELP ".utf8)
            lines.append(line)
        }
        return Array(lines.joined(separator: [0x0A]))
    }
}
