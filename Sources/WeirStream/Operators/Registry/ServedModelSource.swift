/// Where a scoring operator takes its model from: a model folder or file written by
/// `weir train` (reloaded when the file changes), or a model in the registry.
public enum ServedModelSource: Sendable, Equatable {
    case file(String)
    case registry(RegistryModelReference)
}
