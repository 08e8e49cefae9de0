import CBLAS
import Foundation

extension BLAS {
    /// The kernel family OpenBLAS picked for this CPU (`Haswell`, `SkylakeX`, `Prescott`, ...).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The `OPENBLAS_CORETYPE` to load OpenBLAS with instead of its pick, when it fell back
    /// to the generic Prescott (SSE3) kernels on a CPU with AVX2 or AVX-512: OpenBLAS
    /// 0.3.21 (Debian 12) does so on virtual CPUs whose model it does not know ("Intel
    /// Xeon Processor"), and its matrix products then run 2-3x slower. nil when its pick stands.
    public static func betterCoreType(coreName: String, cpuFlags: Set<String>) -> String? {
        guard coreName.lowercased() == "prescott" else { return nil }
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        return nil
    }

    /// The CPU's feature flags from /proc/cpuinfo (empty where there is none).
    public static func cpuFlags(cpuinfo path: String = "/proc/cpuinfo") -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
