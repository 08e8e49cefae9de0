/// The few dense loops IP Insights runs per event, written over raw pointers with 8-wide
/// SIMD so that they vectorise in every build.
enum VectorKernels {
    @inline(__always)
    static func add(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        let raw = UnsafeRawPointer(source), out = UnsafeMutableRawPointer(target)
        while index + 8 <= count {
            let sum = out.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
                + raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            out.storeBytes(of: sum, toByteOffset: index * 4, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count { target[index] += source[index]; index += 1 }
    }

    /// `target += scale * source`.
    @inline(__always)
    static func addScaled(_ source: UnsafePointer<Float>, _ scale: Float, to target: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        let raw = UnsafeRawPointer(source), out = UnsafeMutableRawPointer(target)
        let factor = SIMD8<Float>(repeating: scale)
        while index + 8 <= count {
            let sum = out.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
                + factor * raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            out.storeBytes(of: sum, toByteOffset: index * 4, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count { target[index] += scale * source[index]; index += 1 }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var index = 0
        var sum = SIMD8<Float>(repeating: 0)
        let left = UnsafeRawPointer(a), right = UnsafeRawPointer(b)
        while index + 8 <= count {
            sum += left.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
                * right.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            index += 8
        }
        var total = sum.sum()
        while index < count { total += a[index] * b[index]; index += 1 }
        return total
    }

    @inline(__always)
    static func relu(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for index in 0..<count where values[index] < 0 { values[index] = 0 }
    }
}
