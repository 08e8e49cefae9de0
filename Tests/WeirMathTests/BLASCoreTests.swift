import Foundation
import Testing
import WeirMath

@Suite struct BLASCoreTests {
    @Test func genericKernelsOnAModernCPUAreReplaced() {
        let avx512: Set<String> = ["sse3", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        #expect(BLAS.betterCoreType(coreName: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(BLAS.betterCoreType(coreName: "Prescott", cpuFlags: ["sse3", "avx2", "fma"]) == "Haswell")
        #expect(BLAS.betterCoreType(coreName: "Prescott", cpuFlags: ["sse3", "sse4_2"]) == nil)
        #expect(BLAS.betterCoreType(coreName: "Haswell", cpuFlags: avx512) == nil)
        #expect(!BLAS.coreName.isEmpty)
    }

    @Test func cpuFlagsAreReadFromCpuinfo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cpuinfo-\(UUID().uuidString)").path
        try "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse3 avx2 fma\n\nprocessor\t: 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(BLAS.cpuFlags(cpuinfo: path) == ["fpu", "sse3", "avx2", "fma"])
        #expect(BLAS.cpuFlags(cpuinfo: path + "-missing").isEmpty)
    }
}
