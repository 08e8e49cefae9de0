import WeirAlgorithm
import WeirCore
import WeirKMeans
import WeirMath

/// Product quantization as faiss's IVFPQ uses it: a vector (zero-padded to `parts x width`
/// values) is cut into `parts` sub-vectors, each replaced by the index of its nearest
/// codeword among up to 256 learnt by k-means on that sub-space, so a point costs `parts`
/// bytes. A query's distance to a code is a sum of table lookups: the table holds each
/// sub-vector's squared distance to every codeword (asymmetric distance computation).
struct ProductQuantizer: Sendable, Equatable {
    /// Values per vector before padding.
    let dimension: Int
    let parts: Int
    /// Values per sub-vector: `ceil(dimension / parts)`.
    let width: Int
    /// Codewords per part (256, fewer when fewer points were trained on).
    let codewords: Int
    /// Part-major, then sub-vector coordinate, then codeword: `[part][coordinate][codeword]`,
    /// so a table row is built by sweeping contiguous codewords.
    let codebooks: [Float]

    /// The widest `codebooks` a model file may hold (parts x width x 256 values).
    static let maximumCodebookValues = 50_000_000

    init(dimension: Int, parts: Int, codewords: Int, codebooks: [Float]) {
        self.dimension = dimension
        self.parts = parts
        width = (dimension + parts - 1) / parts
        self.codewords = codewords
        self.codebooks = codebooks
    }

    /// Learns the codebooks from `count` vectors (row-major, `dimension` values each), on at
    /// most 64 points per codeword: k-means per part from distinct random points.
    static func train(_ vectors: [Float], count: Int, dimension: Int, parts: Int, random: inout RandomSource) -> ProductQuantizer {
        let width = (dimension + parts - 1) / parts
        let codewords = max(1, min(256, count))
        let sample = Array(random.permutation(count).prefix(codewords * 64))
        var codebooks = [Float](repeating: 0, count: parts * width * codewords)
        var sub = [Float](repeating: 0, count: sample.count * width)
        for part in 0..<parts {
            for (row, point) in sample.enumerated() {
                for coordinate in 0..<width {
                    let column = part * width + coordinate
                    sub[row * width + coordinate] = column < dimension ? vectors[point * dimension + column] : 0
                }
            }
            var centres = [Float]()
            centres.reserveCapacity(codewords * width)
            for row in random.permutation(sample.count).prefix(codewords) { centres.append(contentsOf: sub[(row * width)..<((row + 1) * width)]) }
            if width == 1 {
                lloydOnALine(sub, centres: &centres, random: &random)
            } else {
                lloyd(sub, width: width, centres: &centres, random: &random)
            }
            for centre in 0..<codewords {
                for coordinate in 0..<width {
                    codebooks[(part * width + coordinate) * codewords + centre] = centres[centre * width + coordinate]
                }
            }
        }
        return ProductQuantizer(dimension: dimension, parts: parts, codewords: codewords, codebooks: codebooks)
    }

    /// 12 Lloyd iterations of `centres` (`width` values each) over `points`; an emptied
    /// centre moves onto a random point.
    private static func lloyd(_ points: [Float], width: Int, centres: inout [Float], random: inout RandomSource) {
        let count = centres.count / width, rows = points.count / width
        let batch = FeatureBatch<Float>(rows: points, dimension: width)
        for _ in 0..<12 {
            let assignment = CentreIndex(centres: centres, count: count, dimension: width).assign(batch).centre
            var sums = [Float](repeating: 0, count: count * width)
            var sizes = [Int](repeating: 0, count: count)
            for (row, centre) in assignment.enumerated() {
                sizes[centre] += 1
                for coordinate in 0..<width { sums[centre * width + coordinate] += points[row * width + coordinate] }
            }
            for centre in 0..<count {
                let source = sizes[centre] > 0 ? nil : random.uniformInt(below: rows)
                for coordinate in 0..<width {
                    centres[centre * width + coordinate] = source.map { points[$0 * width + coordinate] }
                        ?? sums[centre * width + coordinate] / Float(sizes[centre])
                }
            }
        }
    }

    /// The same on one coordinate, where the nearest centre is found by a binary search of
    /// the midpoints between sorted centres instead of a scan of all of them.
    private static func lloydOnALine(_ values: [Float], centres: inout [Float], random: inout RandomSource) {
        let count = centres.count
        for _ in 0..<12 {
            centres.sort()
            let midpoints = (0..<max(count - 1, 0)).map { (centres[$0] + centres[$0 + 1]) / 2 }
            var sums = [Double](repeating: 0, count: count)
            var sizes = [Int](repeating: 0, count: count)
            for value in values {
                var low = 0, high = midpoints.count
                while low < high {
                    let middle = (low + high) / 2
                    if value > midpoints[middle] { low = middle + 1 } else { high = middle }
                }
                sums[low] += Double(value)
                sizes[low] += 1
            }
            for centre in 0..<count {
                centres[centre] = sizes[centre] > 0 ? Float(sums[centre] / Double(sizes[centre])) : values[random.uniformInt(below: values.count)]
            }
        }
    }

    /// The code of one vector (`dimension` values): the nearest codeword of each part.
    func encode(_ vector: UnsafePointer<Float>, into code: UnsafeMutablePointer<UInt8>) {
        var row = [Float](repeating: 0, count: codewords)
        row.withUnsafeMutableBufferPointer { out in
            for part in 0..<parts {
                sweep(part: part, vector, into: out.baseAddress!)
                var best = 0
                for codeword in 1..<max(codewords, 1) where out[codeword] < out[best] { best = codeword }
                code[part] = UInt8(truncatingIfNeeded: best)
            }
        }
    }

    /// The distance table of a vector (`dimension` values): `parts x codewords` squared
    /// distances of each sub-vector to each codeword.
    func table(_ vector: UnsafePointer<Float>, into table: UnsafeMutablePointer<Float>) {
        for part in 0..<parts { sweep(part: part, vector, into: table + part * codewords) }
    }

    /// Squared distances of one part of `vector` to that part's codewords.
    @inline(__always) private func sweep(part: Int, _ vector: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let count = codewords
        for codeword in 0..<count { out[codeword] = 0 }
        codebooks.withUnsafeBufferPointer { books in
            for coordinate in 0..<width {
                let column = part * width + coordinate
                let value = column < dimension ? vector[column] : 0
                let book = books.baseAddress! + (part * width + coordinate) * count
                for codeword in 0..<count {
                    let difference = value - book[codeword]
                    out[codeword] += difference * difference
                }
            }
        }
    }

    /// The squared distance a table gives a code: one lookup per part, summed in four
    /// independent chains so that the additions overlap instead of waiting on each other.
    @inline(__always) static func distance(_ table: UnsafePointer<Float>, code: UnsafePointer<UInt8>, parts: Int, codewords: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var row = table
        var part = 0
        while part &+ 4 <= parts {
            s0 += row[Int(code[part])]
            s1 += row[codewords &+ Int(code[part &+ 1])]
            s2 += row[2 &* codewords &+ Int(code[part &+ 2])]
            s3 += row[3 &* codewords &+ Int(code[part &+ 3])]
            row += 4 &* codewords
            part &+= 4
        }
        while part < parts {
            s0 += row[Int(code[part])]
            row += codewords
            part &+= 1
        }
        return (s0 + s1) + (s2 + s3)
    }
}

extension ProductQuantizer {
    func write(to writer: inout BinaryWriter) {
        writer.write(UInt64(parts))
        writer.write(UInt64(codewords))
        writer.write(floats: codebooks)
    }

    /// Reads what `write` wrote, checking the shapes against the index's dimension.
    static func read(from reader: inout BinaryReader, dimension: Int) throws(BinaryReader.Failure) -> ProductQuantizer {
        let parts = try reader.readCount(maximum: 100_000, "product-quantizer parts")
        let codewords = try reader.readCount(maximum: 256, "codewords per part")
        let codebooks = try reader.readFloats()
        guard parts >= 1, codewords >= 1 else { throw reader.error("a product quantizer of \(parts) parts x \(codewords) codewords") }
        let width = (dimension + parts - 1) / parts
        guard codebooks.count == parts * width * codewords else {
            throw reader.error("codebooks of \(codebooks.count) values; \(parts) parts x \(width) values x \(codewords) codewords expected")
        }
        return ProductQuantizer(dimension: dimension, parts: parts, codewords: codewords, codebooks: codebooks)
    }
}
