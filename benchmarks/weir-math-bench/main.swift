// Release-mode measurements of Weir's numeric core, printed as one JSON object per line
// for benchmarks/run_math.py, which runs the same work in numpy and PyTorch beside it.
//
//   weir-math-bench gemm N REPEATS   single-precision N x N x N products through Tensor.matmul
//   weir-math-bench lstm STEPS       DeepAR-sized LSTM forward + backward + Adam steps
#if canImport(Glibc)
import Glibc
#endif
import WeirMath

func seconds(_ body: () -> Void) -> Double {
    let start = ContinuousClock.now
    body()
    let elapsed = (ContinuousClock.now - start).components
    return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
}

/// Peak resident set size of this process so far, in MiB.
func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func gemm(size: Int, repeats: Int) {
    var random = RandomSource(seed: 1)
    let a: Tensor<Float> = random.normalTensor([size, size])
    let b: Tensor<Float> = random.normalTensor([size, size])
    _ = Tensor.matmul(a, b) // warm-up: first-touch pages and OpenBLAS buffers
    var checksum: Float = 0
    let elapsed = seconds {
        for _ in 0..<repeats { checksum += Tensor.matmul(a, b)[0, 0] }
    }
    let gflops = 2 * Double(size * size * size) * Double(repeats) / elapsed / 1e9
    print(#"{"bench":"gemm","impl":"weir","n":\#(size),"gflops":\#(gflops),"checksum":\#(checksum)}"#)
}

/// Two LSTM layers of 40 cells over 100 steps, batch 32, with a Student-t output head
/// (mu, softplus sigma, 2 + softplus nu): DeepAR's default architecture.
func lstm(steps: Int) {
    let batch = 32, length = 100, features = 4, cells = 40
    var random = RandomSource(seed: 2)
    let store = ParameterStore<Float>()
    let network = LSTM("rnn", inputSize: features, hiddenSize: cells, layers: 2, store: store, random: &random)
    let muHead = Dense("mu", inputSize: cells, outputSize: 1, store: store, random: &random)
    let sigmaHead = Dense("sigma", inputSize: cells, outputSize: 1, activation: .softplus, store: store, random: &random)
    let nuHead = Dense("nu", inputSize: cells, outputSize: 1, activation: .softplus, store: store, random: &random)
    var adam = Adam<Float>(learningRate: 1e-3)
    let inputs: [Tensor<Float>] = (0..<length).map { _ in random.normalTensor([batch, features]) }
    let targets: Tensor<Float> = random.normalTensor([batch, length])
    var times: [Double] = []
    var residentAfterWarmup = 0.0
    var lastLoss: Float = 0
    for step in 0..<steps {
        times.append(seconds {
            let (loss, gradients) = store.lossAndGradients { p in
                var state = network.zeroState(batch: batch, on: p.tape)
                var masks = RandomSource(seed: UInt64(step))
                let outputs = network(inputs.map { p.tape.constant($0) }, state: &state, p, random: &masks)
                let hidden = Variable.concatenate(outputs, axis: 0) // [length * batch, cells]
                let mu = muHead(hidden, p)
                let sigma = sigmaHead(hidden, p) + Float(1e-3)
                let nu = nuHead(hidden, p) + Float(2)
                let observed = targets.transposed.contiguous().reshaped([length * batch, 1])
                return StudentTLikelihood(mu: mu, sigma: sigma, nu: nu).negativeLogLikelihood(observed)
            }
            adam.step(store, gradients)
            lastLoss = loss
        })
        if step == 9 { residentAfterWarmup = peakResidentMiB() }
    }
    let measured = Array(times.dropFirst(min(10, times.count / 2))).sorted()
    let median = measured[measured.count / 2]
    print(#"{"bench":"lstm","impl":"weir","steps":\#(steps),"median_step_ms":\#(median * 1000),"peak_rss_mib":\#(peakResidentMiB()),"rss_after_10_steps_mib":\#(residentAfterWarmup),"loss":\#(lastLoss)}"#)
}

BLAS.setThreadCount(1)
let arguments = CommandLine.arguments
switch arguments.dropFirst().first {
case "gemm": gemm(size: Int(arguments[2]) ?? 512, repeats: Int(arguments[3]) ?? 10)
case "lstm": lstm(steps: Int(arguments[2]) ?? 100)
default:
    print("usage: weir-math-bench gemm N REPEATS | lstm STEPS")
    exit(2)
}
