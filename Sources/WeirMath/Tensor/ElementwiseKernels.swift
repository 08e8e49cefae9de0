/// The elementwise operations tensors run through `TensorScalar`'s kernels. Naming an
/// operation (rather than passing a closure) lets each element type run a loop compiled
/// for it, even when the calling code is generic and unspecialised: dispatch happens once
/// per row, not once per element.
public enum UnaryKernel: Sendable, Equatable {
    case copy, negate, exp, log, tanh, sigmoid, softplus, relu, positiveMask, sign, sqrt, abs, square, log1p, lgamma, digamma
    case addScalar(Double), multiplyScalar(Double), subtractFromScalar(Double), divideScalarBy(Double), power(Double)
}

public enum BinaryKernel: Sendable, Equatable {
    case add, subtract, multiply, divide
}

extension TensorScalar {
    /// out[i] = op(x[i * stride]) for i in 0..<count.
    @inline(__always)
    static func runUnary(_ kernel: UnaryKernel, _ x: UnsafePointer<Self>, stride: Int, _ out: UnsafeMutablePointer<Self>, count: Int) {
        @inline(__always) func loop(_ f: (Self) -> Self) {
            if stride == 1 {
                for i in 0..<count { out[i] = f(x[i]) }
            } else {
                for i in 0..<count { out[i] = f(x[i * stride]) }
            }
        }
        switch kernel {
        case .copy: loop { $0 }
        case .negate: loop { -$0 }
        case .exp: loop { Self.exp($0) }
        case .log: loop { Self.log($0) }
        case .tanh: loop { Self.tanh($0) }
        case .sigmoid: loop { $0 >= 0 ? 1 / (1 + Self.exp(-$0)) : Self.exp($0) / (1 + Self.exp($0)) }
        case .softplus: loop { $0 > 0 ? $0 + Self.log1p(Self.exp(-$0)) : Self.log1p(Self.exp($0)) }
        case .relu: loop { $0 > 0 ? $0 : 0 }
        case .positiveMask: loop { $0 > 0 ? 1 : 0 }
        case .sign: loop { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case .sqrt: loop { $0.squareRoot() }
        case .abs: loop { Swift.abs($0) }
        case .square: loop { $0 * $0 }
        case .log1p: loop { Self.log1p($0) }
        case .lgamma: loop { Self.lgamma($0) }
        case .digamma: loop { Self(SpecialFunctions.digamma(Double($0))) }
        case .addScalar(let p): let s = Self(p); loop { $0 + s }
        case .multiplyScalar(let p): let s = Self(p); loop { $0 * s }
        case .subtractFromScalar(let p): let s = Self(p); loop { s - $0 }
        case .divideScalarBy(let p): let s = Self(p); loop { s / $0 }
        case .power(let p): let s = Self(p); loop { Self.pow($0, s) }
        }
    }

    /// out[i] = a[i * strideA] op b[i * strideB]; a stride of 0 repeats one element.
    @inline(__always)
    static func runBinary(_ kernel: BinaryKernel, _ a: UnsafePointer<Self>, strideA: Int, _ b: UnsafePointer<Self>, strideB: Int,
                          _ out: UnsafeMutablePointer<Self>, count: Int) {
        @inline(__always) func loop(_ f: (Self, Self) -> Self) {
            if strideA == 1 && strideB == 1 {
                for i in 0..<count { out[i] = f(a[i], b[i]) }
            } else if strideA == 1 && strideB == 0 {
                let y = b[0]
                for i in 0..<count { out[i] = f(a[i], y) }
            } else if strideA == 0 && strideB == 1 {
                let x = a[0]
                for i in 0..<count { out[i] = f(x, b[i]) }
            } else {
                for i in 0..<count { out[i] = f(a[i * strideA], b[i * strideB]) }
            }
        }
        switch kernel {
        case .add: loop(+)
        case .subtract: loop(-)
        case .multiply: loop(*)
        case .divide: loop(/)
        }
    }

    /// The sum of `count` elements accumulated in Double.
    @inline(__always)
    static func runSum(_ x: UnsafePointer<Self>, stride: Int, count: Int) -> Double {
        var total = 0.0
        for i in 0..<count { total += Double(x[i * stride]) }
        return total
    }
}
