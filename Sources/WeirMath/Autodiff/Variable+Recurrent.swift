/// Fused operations for recurrent cells. An LSTM step written with separate tensor ops
/// allocates some fifteen intermediates per layer and step, forward and backward again;
/// these do the same arithmetic in one pass each way, as cuDNN and PyTorch's CPU kernels do.
extension Variable {
    /// Σ xᵢ Wᵢ + b for [batch, inᵢ] inputs, [inᵢ, out] weights and an [out] bias, written
    /// into one [batch, out] buffer by accumulating GEMMs (beta = 1).
    public static func affine(_ terms: [(input: Variable, weight: Variable)], bias: Variable) -> Variable {
        precondition(!terms.isEmpty, "affine needs at least one input")
        let batch = terms[0].input.shape[0], width = bias.shape[0]
        var output = Tensor<Scalar>(shape: [batch, width], repeating: 0)
        output = output + bias.value // rows start as the bias
        output.storage.withUnsafeMutableBufferPointer { out in
            for term in terms {
                let x = term.input.value.contiguous(), w = term.weight.value.contiguous()
                precondition(x.rank == 2 && w.rank == 2 && x.shape[0] == batch && x.shape[1] == w.shape[0] && w.shape[1] == width,
                             "affine: [\(x.shape)] x [\(w.shape)] does not give [\(batch), \(width)]")
                guard x.shape[1] > 0 else { continue }
                x.storage.withUnsafeBufferPointer { xp in
                    w.storage.withUnsafeBufferPointer { wp in
                        Scalar.gemm(transposeA: false, transposeB: false, m: batch, n: width, k: x.shape[1], alpha: 1,
                                    a: xp.baseAddress! + x.offset, lda: x.shape[1], b: wp.baseAddress! + w.offset, ldb: width,
                                    beta: 1, c: out.baseAddress!, ldc: width)
                    }
                }
            }
        }
        let inputs = terms.flatMap { [$0.input, $0.weight] } + [bias]
        let values = terms.map { ($0.input.value, $0.weight.value) }
        return bias.tape.record(output, inputs: inputs) { upstream in
            var gradients: [Gradient<Scalar>?] = []
            for (x, w) in values {
                gradients.append(.dense(Tensor.matmul(upstream, w.transposed)))
                gradients.append(.dense(Tensor.matmul(x.transposed, upstream)))
            }
            gradients.append(.dense(upstream.sum(axis: 0)))
            return gradients
        }
    }

    /// One LSTM cell update from pre-activation gates [batch, 4h] (input, forget, cell,
    /// output) and the previous cell state [batch, h]: returns the new hidden and cell
    /// states, each one tape node whose backward pass is a single loop.
    public static func lstmCell(gates: Variable, cell: Variable) -> (hidden: Variable, cell: Variable) {
        let batch = cell.shape[0], h = cell.shape[1]
        precondition(gates.shape == [batch, 4 * h], "lstmCell: gates \(gates.shape) do not fit a cell state \(cell.shape)")
        let a = gates.value.contiguous().scalars, previous = cell.value.contiguous().scalars
        let count = batch * h
        // Activated gates [batch, 4h] (kept for the backward pass), then the new states.
        let activated = [Scalar](unsafeUninitializedCapacity: batch * 4 * h) { out, initialized in
            a.withUnsafeBufferPointer { source in
                for row in 0..<batch {
                    let base = row * 4 * h
                    for unit in base..<(base + 2 * h) { out[unit] = gateSigmoid(source[unit]) }
                    for unit in (base + 2 * h)..<(base + 3 * h) { out[unit] = Scalar.tanh(source[unit]) }
                    for unit in (base + 3 * h)..<(base + 4 * h) { out[unit] = gateSigmoid(source[unit]) }
                }
            }
            initialized = batch * 4 * h
        }
        var newCell = [Scalar](repeating: 0, count: count), tanhC = newCell, hidden = newCell
        activated.withUnsafeBufferPointer { gate in
            previous.withUnsafeBufferPointer { c0 in
                newCell.withUnsafeMutableBufferPointer { c1 in
                    tanhC.withUnsafeMutableBufferPointer { t in
                        hidden.withUnsafeMutableBufferPointer { out in
                            for row in 0..<batch {
                                let base = row * 4 * h, state = row * h
                                for unit in 0..<h {
                                    let c = gate[base + h + unit] * c0[state + unit] + gate[base + unit] * gate[base + 2 * h + unit]
                                    c1[state + unit] = c
                                    let tc = Scalar.tanh(c)
                                    t[state + unit] = tc
                                    out[state + unit] = gate[base + 3 * h + unit] * tc
                                }
                            }
                        }
                    }
                }
            }
        }
        // Gradients of the gates and previous cell for upstream dC (through the new cell)
        // and dH (through the hidden state); each node passes back its own share.
        func backward(dCell: [Scalar]?, dHidden: [Scalar]?) -> [Gradient<Scalar>?] {
            var dGates = [Scalar](repeating: 0, count: batch * 4 * h)
            var dPrevious = [Scalar](repeating: 0, count: count)
            for row in 0..<batch {
                let base = row * 4 * h
                for unit in 0..<h {
                    let k = row * h + unit
                    let i = activated[base + unit], f = activated[base + h + unit]
                    let g = activated[base + 2 * h + unit], o = activated[base + 3 * h + unit]
                    var dc = dCell?[k] ?? 0
                    if let dHidden {
                        dc += dHidden[k] * o * (1 - tanhC[k] * tanhC[k])
                        dGates[base + 3 * h + unit] = dHidden[k] * tanhC[k] * o * (1 - o)
                    }
                    dGates[base + unit] = dc * g * i * (1 - i)
                    dGates[base + h + unit] = dc * previous[k] * f * (1 - f)
                    dGates[base + 2 * h + unit] = dc * i * (1 - g * g)
                    dPrevious[k] = dc * f
                }
            }
            return [.dense(Tensor(shape: [batch, 4 * h], scalars: dGates)), .dense(Tensor(shape: [batch, h], scalars: dPrevious))]
        }
        let tape = gates.tape
        let cellNode = tape.record(Tensor(shape: [batch, h], scalars: newCell), inputs: [gates, cell]) { upstream in
            backward(dCell: upstream.scalars, dHidden: nil)
        }
        let hiddenNode = tape.record(Tensor(shape: [batch, h], scalars: hidden), inputs: [gates, cell]) { upstream in
            backward(dCell: nil, dHidden: upstream.scalars)
        }
        return (hiddenNode, cellNode)
    }

    /// The logistic function as 0.5 + 0.5 tanh(x / 2): branch-free with Float's rational
    /// tanh, so the gate loop vectorises. Absolute error stays near Float's epsilon, which
    /// is what a gate needs (its far tails, below 1e-7, round to 0).
    @inline(__always)
    private static func gateSigmoid(_ x: Scalar) -> Scalar {
        0.5 + 0.5 * Scalar.tanh(x * 0.5)
    }
}
