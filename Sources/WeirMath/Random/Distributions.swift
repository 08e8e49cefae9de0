#if canImport(Glibc)
import Glibc
#endif

/// Samplers over `RandomSource`. Each is written out here (rather than taken from the
/// standard library, whose algorithms may change between releases) so that a seed
/// reproduces the same draws with every Swift version.
extension RandomSource {
    /// Uniform on [0, 1), from the top 53 bits of one draw.
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform on `range`.
    public mutating func uniform(in range: Range<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
    }

    /// Uniform on 0..<bound without modulo bias (Lemire's multiply-and-reject).
    public mutating func uniformInt(below bound: Int) -> Int {
        precondition(bound > 0, "uniformInt needs a positive bound, got \(bound)")
        let limit = UInt64(bound)
        var product = next().multipliedFullWidth(by: limit)
        if product.low < limit {
            let threshold = (0 &- limit) % limit
            while product.low < threshold { product = next().multipliedFullWidth(by: limit) }
        }
        return Int(product.high)
    }

    /// Normal with the given mean and standard deviation (Marsaglia's polar method).
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return mean + standardDeviation * u * (-2 * Glibc.log(s) / s).squareRoot()
            }
        }
    }

    /// Gamma with shape k > 0 and scale θ (mean kθ), by Marsaglia and Tsang's method;
    /// shapes below 1 use the boost Gamma(k) = Gamma(k + 1) * U^(1/k).
    public mutating func gamma(shape: Double, scale: Double = 1) -> Double {
        // Parameters come from model outputs, which damaged inputs can make NaN: NaN out, never a trap.
        guard shape > 0, scale > 0, shape.isFinite, scale.isFinite else { return .nan }
        if shape < 1 {
            let boosted = gamma(shape: shape + 1, scale: scale)
            return boosted * Glibc.pow(uniform(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            let x = normal()
            var v = 1 + c * x
            if v <= 0 { continue }
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v * scale }
            if Glibc.log(u) < 0.5 * x * x + d * (1 - v + Glibc.log(v)) { return d * v * scale }
        }
    }

    /// Beta(a, b), as X / (X + Y) with X ~ Gamma(a) and Y ~ Gamma(b).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a)
        let y = gamma(shape: b)
        return x / (x + y)
    }

    /// Student's t with ν degrees of freedom, location μ and scale σ.
    public mutating func studentT(degreesOfFreedom nu: Double, location: Double = 0, scale: Double = 1) -> Double {
        guard nu > 0, nu.isFinite else { return .nan } // outside the domain: NaN, never a trap
        let chiSquared = gamma(shape: nu / 2, scale: 2)
        return location + scale * normal() / (chiSquared / nu).squareRoot()
    }

    /// Poisson with mean λ: multiplication of uniforms below λ = 10, Hörmann's PTRS
    /// transformed rejection above (as NumPy does). The count comes as a Double (counts of
    /// huge means exceed Int); NaN when the mean is negative or not finite.
    public mutating func poisson(mean lambda: Double) -> Double {
        guard lambda >= 0, lambda.isFinite else { return .nan }
        if lambda == 0 { return 0 }
        if lambda < 10 {
            let limit = Glibc.exp(-lambda)
            var product = uniform()
            var count = 0.0
            while product > limit {
                count += 1
                product *= uniform()
            }
            return count
        }
        let root = lambda.squareRoot()
        let logLambda = Glibc.log(lambda)
        let b = 0.931 + 2.53 * root
        let a = -0.059 + 0.02483 * b
        let inverseAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let acceptance = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5
            let v = uniform()
            let us = 0.5 - Swift.abs(u)
            let k = ((2 * a / us + b) * u + lambda + 0.43).rounded(.down)
            if us >= 0.07 && v <= acceptance { return k }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if Glibc.log(v) + Glibc.log(inverseAlpha) - Glibc.log(a / (us * us) + b)
                <= -lambda + k * logLambda - Glibc.lgamma(k + 1) {
                return k
            }
        }
    }

    /// Negative binomial with mean μ and dispersion α (variance μ + αμ², GluonTS's and
    /// DeepAR's parametrisation), as a Gamma-Poisson mixture.
    /// The count comes as a Double; NaN when the parameters are outside the domain.
    public mutating func negativeBinomial(mean mu: Double, alpha: Double) -> Double {
        guard mu >= 0, alpha > 0, mu.isFinite, alpha.isFinite else { return .nan }
        if mu == 0 { return 0 }
        let rate = gamma(shape: 1 / alpha, scale: mu * alpha)
        return poisson(mean: rate)
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all 0).
    public mutating func categorical(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        precondition(total > 0 && weights.allSatisfy { $0 >= 0 }, "categorical needs non-negative weights with a positive sum")
        let target = uniform() * total
        var cumulative = 0.0
        for (index, weight) in weights.enumerated() {
            cumulative += weight
            if target < cumulative { return index }
        }
        return weights.lastIndex { $0 > 0 }!
    }

    /// Shuffles `values` in place (Fisher-Yates).
    public mutating func shuffle<Element>(_ values: inout [Element]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, uniformInt(below: i + 1))
        }
    }

    /// A uniformly random ordering of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var values = Array(0..<n)
        shuffle(&values)
        return values
    }

    /// A tensor of independent standard normal draws scaled by `standardDeviation`.
    public mutating func normalTensor<Scalar: TensorScalar>(_ shape: [Int], standardDeviation: Double = 1) -> Tensor<Scalar> {
        let count = shape.reduce(1, *)
        var values = [Scalar]()
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(Scalar(normal(standardDeviation: standardDeviation))) }
        return Tensor(shape: shape, scalars: values)
    }

    /// A tensor of independent uniform draws on `range`.
    public mutating func uniformTensor<Scalar: TensorScalar>(_ shape: [Int], in range: Range<Double>) -> Tensor<Scalar> {
        let count = shape.reduce(1, *)
        var values = [Scalar]()
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(Scalar(uniform(in: range))) }
        return Tensor(shape: shape, scalars: values)
    }
}
