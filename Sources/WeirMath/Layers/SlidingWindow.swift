/// The geometry of a sliding window over a feature map.
public struct SlidingWindow: Sendable, Equatable {
    public var kernel: (height: Int, width: Int)
    public var stride: Int
    public var padding: Int

    public init(kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.kernel = (kernel, kernel)
        self.stride = stride
        self.padding = padding
    }

    public static func == (lhs: SlidingWindow, rhs: SlidingWindow) -> Bool {
        lhs.kernel == rhs.kernel && lhs.stride == rhs.stride && lhs.padding == rhs.padding
    }

    func outputSize(height: Int, width: Int) -> (Int, Int) {
        ((height + 2 * padding - kernel.height) / stride + 1, (width + 2 * padding - kernel.width) / stride + 1)
    }
}
