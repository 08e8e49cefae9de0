#if canImport(Glibc)
import Glibc
#endif

/// Special functions the likelihoods need beyond libm.
public enum SpecialFunctions {
    /// The digamma function ψ(x) = d/dx log Γ(x): recurrence up to x >= 6, then the
    /// asymptotic series; reflection for negative non-integers.
    public static func digamma<Scalar: TensorScalar>(_ x: Scalar) -> Scalar {
        Scalar(digamma(Double(x)))
    }

    public static func digamma(_ input: Double) -> Double {
        var x = input
        if x.isNaN || (x <= 0 && x == x.rounded()) { return .nan }
        if x < 0 {
            // ψ(1 - x) - ψ(x) = π cot(πx)
            return digamma(1 - x) - Double.pi / Double.tan(Double.pi * x)
        }
        var result = 0.0
        while x < 6 {
            result -= 1 / x
            x += 1
        }
        let inverse = 1 / x, inverse2 = inverse * inverse
        result += Double.log(x) - 0.5 * inverse
            - inverse2 * (1.0 / 12 - inverse2 * (1.0 / 120 - inverse2 * (1.0 / 252 - inverse2 * (1.0 / 240 - inverse2 / 132))))
        return result
    }
}

extension Double {
    static func tan(_ x: Double) -> Double { sin(x) / cos(x) }
    static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    static func cos(_ x: Double) -> Double { Glibc.cos(x) }
}
