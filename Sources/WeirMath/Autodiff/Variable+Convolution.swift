/// Differentiable image operations over [batch, channels, height, width] tensors:
/// patch extraction for convolution as GEMM (im2col), and pooling.
extension Variable {
    /// Patches of a [N, C, H, W] input as [N, OH * OW, C * kh * kw] (zero padding), so that
    /// a convolution is one matrix product with the [C * kh * kw, O] kernel matrix.
    public func im2col(_ window: SlidingWindow) -> Variable {
        precondition(value.rank == 4, "im2col takes [batch, channels, height, width], got \(value.shape)")
        let (n, c, h, w) = (value.shape[0], value.shape[1], value.shape[2], value.shape[3])
        let (oh, ow) = window.outputSize(height: h, width: w)
        precondition(oh > 0 && ow > 0, "window \(window.kernel) does not fit a \(h)x\(w) input")
        let kh = window.kernel.height, kw = window.kernel.width
        let patch = c * kh * kw
        // For each output element, the input offset it reads (or -1 in the padding).
        var sources = [Int](repeating: -1, count: n * oh * ow * patch)
        var position = 0
        for image in 0..<n {
            for y in 0..<oh {
                for x in 0..<ow {
                    for channel in 0..<c {
                        for dy in 0..<kh {
                            for dx in 0..<kw {
                                let iy = y * window.stride + dy - window.padding
                                let ix = x * window.stride + dx - window.padding
                                if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                    sources[position] = ((image * c + channel) * h + iy) * w + ix
                                }
                                position += 1
                            }
                        }
                    }
                }
            }
        }
        let input = value.scalars
        let columns = Tensor(shape: [n, oh * ow, patch], scalars: sources.map { $0 >= 0 ? input[$0] : 0 })
        let inputShape = value.shape, inputCount = value.count
        return tape.record(columns, inputs: [self]) { upstream in
            var gradient = [Scalar](repeating: 0, count: inputCount)
            for (offset, value) in zip(sources, upstream.scalars) where offset >= 0 { gradient[offset] += value }
            return [.dense(Tensor(shape: inputShape, scalars: gradient))]
        }
    }

    /// The axes reordered: axis i of the result is axis `axes[i]` of this variable.
    public func permuted(_ axes: [Int]) -> Variable {
        var inverse = [Int](repeating: 0, count: axes.count)
        for (position, axis) in axes.enumerated() { inverse[axis] = position }
        return tape.record(value.permuted(axes).contiguous(), inputs: [self]) { upstream in
            [.dense(upstream.permuted(inverse).contiguous())]
        }
    }

    /// Max pooling over [N, C, H, W]; the gradient flows to the first maximum of each window.
    public func maxPool(_ window: SlidingWindow) -> Variable {
        pool(window) { values in
            var best = 0
            for index in values.indices where values[index].value > values[best].value { best = index }
            return (values[best].value, [(values[best].offset, 1)])
        }
    }

    /// Average pooling over [N, C, H, W]; padding counts as zeros in the average.
    public func averagePool(_ window: SlidingWindow) -> Variable {
        let size = Scalar(window.kernel.height * window.kernel.width)
        return pool(window) { values in
            (values.reduce(0) { $0 + $1.value } / size, values.map { ($0.offset, 1 / size) })
        }
    }

    /// Runs `reduce` over each window's in-bounds (offset, value) pairs; it returns the
    /// output and the weight of each input offset in that output.
    private func pool(_ window: SlidingWindow, _ reduce: ([(offset: Int, value: Scalar)]) -> (Scalar, [(Int, Scalar)])) -> Variable {
        precondition(value.rank == 4, "pooling takes [batch, channels, height, width], got \(value.shape)")
        let (n, c, h, w) = (value.shape[0], value.shape[1], value.shape[2], value.shape[3])
        let (oh, ow) = window.outputSize(height: h, width: w)
        let input = value.scalars
        var output: [Scalar] = []
        output.reserveCapacity(n * c * oh * ow)
        var routes: [[(Int, Scalar)]] = []
        routes.reserveCapacity(n * c * oh * ow)
        for plane in 0..<(n * c) {
            for y in 0..<oh {
                for x in 0..<ow {
                    var values: [(offset: Int, value: Scalar)] = []
                    for dy in 0..<window.kernel.height {
                        for dx in 0..<window.kernel.width {
                            let iy = y * window.stride + dy - window.padding
                            let ix = x * window.stride + dx - window.padding
                            guard iy >= 0 && iy < h && ix >= 0 && ix < w else { continue }
                            let offset = (plane * h + iy) * w + ix
                            values.append((offset, input[offset]))
                        }
                    }
                    let (result, route) = reduce(values)
                    output.append(result)
                    routes.append(route)
                }
            }
        }
        let inputShape = value.shape, inputCount = value.count
        return tape.record(Tensor(shape: [n, c, oh, ow], scalars: output), inputs: [self]) { upstream in
            var gradient = [Scalar](repeating: 0, count: inputCount)
            for (route, value) in zip(routes, upstream.scalars) {
                for (offset, weight) in route { gradient[offset] += weight * value }
            }
            return [.dense(Tensor(shape: inputShape, scalars: gradient))]
        }
    }
}
