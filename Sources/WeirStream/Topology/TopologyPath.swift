/// How a path written in a topology is read: relative to the topology file's folder, as
/// compose files do, so a topology runs the same from any working directory.
enum TopologyPath {
    /// `written` resolved against the folder of `topologyFile`: absolute paths and `-`
    /// (standard input or output) stay; `.` and `..` are folded away lexically.
    static func resolve(_ written: String, topologyFile: String) -> String {
        guard !written.isEmpty, written != "-", !written.hasPrefix("/") else { return written }
        let folder = topologyFile.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let joined = folder.isEmpty ? written : folder + "/" + written
        return normalized(joined)
    }

    /// `path` without `.` components, empty components and `name/..` pairs; a leading `..`
    /// that cannot fold (it climbs above the start of a relative path) is kept.
    static func normalized(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == ".." && absolute && parts.isEmpty {
                continue // `/..` is `/`
            } else {
                parts.append(part)
            }
        }
        let body = parts.joined(separator: "/")
        if absolute { return "/" + body }
        return body.isEmpty ? "." : body
    }
}
