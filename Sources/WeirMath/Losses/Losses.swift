/// Training losses, each the mean over all elements (or rows) of the batch, as the
/// SageMaker algorithms report them.
public enum Losses {
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func meanSquaredError<Scalar>(_ prediction: Variable<Scalar>, _ target: Tensor<Scalar>) -> Variable<Scalar> {
        (prediction - prediction.tape.constant(target)).squared().mean()
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func meanAbsoluteError<Scalar>(_ prediction: Variable<Scalar>, _ target: Tensor<Scalar>) -> Variable<Scalar> {
        (prediction - prediction.tape.constant(target)).abs().mean()
    }

    /// Quadratic within `delta` of the target, linear beyond (Huber).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func huber<Scalar>(_ prediction: Variable<Scalar>, _ target: Tensor<Scalar>, delta: Scalar = 1) -> Variable<Scalar> {
        let error = prediction - prediction.tape.constant(target)
        let small = error.value.map { Swift.abs($0) <= delta ? 1 : 0 }
        let quadratic = error.squared() * Scalar(0.5)
        let linear = (error.abs() - delta / 2) * delta
        return (quadratic.masked(by: small) + linear.masked(by: 1 - small)).mean()
    }

    /// The pinball loss of quantile `q`: q(y - ŷ) when under-predicting, (1 - q)(ŷ - y) when over.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func quantile<Scalar>(_ prediction: Variable<Scalar>, _ target: Tensor<Scalar>, q: Scalar) -> Variable<Scalar> {
        let error = prediction.tape.constant(target) - prediction
        let under = error.value.map { $0 >= 0 ? 1 : 0 }
        return (error.masked(by: under) * q - error.masked(by: 1 - under) * (1 - q)).mean()
    }

    /// Binary cross-entropy on logits with labels in {0, 1}: softplus(z) - y z, stable for large |z|.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func logistic<Scalar>(logits: Variable<Scalar>, labels: Tensor<Scalar>) -> Variable<Scalar> {
        (logits.softplus() - logits * logits.tape.constant(labels)).mean()
    }

    /// Cross-entropy of softmax(logits [batch, classes]) against class indices.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func softmaxCrossEntropy<Scalar>(logits: Variable<Scalar>, labels: [Int]) -> Variable<Scalar> {
        precondition(logits.shape.count == 2 && logits.shape[0] == labels.count, "logits [batch, classes] need one label per row")
        let classes = logits.shape[1]
        var oneHot = Tensor<Scalar>.zeros(logits.shape)
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && label < classes, "label \(label) out of range 0..<\(classes)")
            oneHot[row, label] = 1
        }
        return -(logits.logSoftmax() * logits.tape.constant(oneHot)).sum() / Scalar(labels.count)
    }

    /// max(0, 1 - y z) with labels y in {-1, +1} (linear SVM).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func hinge<Scalar>(scores: Variable<Scalar>, labels: Tensor<Scalar>) -> Variable<Scalar> {
        let margin = 1 - scores * scores.tape.constant(labels)
        return margin.relu().mean()
    }
}
