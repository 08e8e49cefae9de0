import WeirCore
import WeirKafka

/// Why a pipeline stopped without draining normally. Input offsets past the failure
/// are not committed, so a restart reprocesses from there.
public enum PipelineError: Error, CustomStringConvertible {
    case kafka(KafkaError, while: String)
    case sink(SinkFailure)
    case delivery(KafkaError)
    case state(String)
    case source(String)

    public var description: String {
        switch self {
        case .kafka(let error, let activity): return "Kafka error while \(activity): \(error)"
        case .sink(let failure): return "\(failure)"
        case .delivery(let error): return "an output could not be delivered: \(error)"
        case .state(let message): return "operator state: \(message)"
        case .source(let message): return "source: \(message)"
        }
    }
}
