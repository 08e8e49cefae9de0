import WeirMath

/// Maps an address to the embedding rows of its prefixes: for IPv4 the /8, /12, /16,
/// /20, /24, /28 and /32 networks, for IPv6 the /16 to /64 networks in steps of 8 bits
/// (below /64 are interface identifiers, which carry no network structure). Each
/// (family, prefix length, network) is hashed into one of `rowCount` rows, so addresses
/// in the same network share rows and an unseen address of a known network inherits
/// what the model learnt about that network.
public struct IPPrefixBuckets: Sendable, Equatable {
    /// Prefix lengths, in bits of the IPv4 address.
    public static let ipv4PrefixLengths = [8, 12, 16, 20, 24, 28, 32]
    /// Prefix lengths, in bits of the IPv6 address.
    public static let ipv6PrefixLengths = [16, 24, 32, 40, 48, 56, 64]
    /// Rows per address.
    public static let levels = 7

    public let rowCount: Int

    public init(rowCount: Int) {
        precondition(rowCount > 0, "IPPrefixBuckets needs at least one row")
        self.rowCount = rowCount
    }

    /// Writes the address's `levels` rows to `rows`.
    @inline(__always)
    public func rows(of address: IPAddress, into rows: UnsafeMutablePointer<Int32>) {
        if address.isIPv4 {
            let value = UInt64(address.ipv4)
            for (level, length) in Self.ipv4PrefixLengths.enumerated() {
                let network = value >> UInt64(32 - length)
                rows[level] = row(Self.mix(network &+ UInt64(level + 1) &* 0x9E37_79B9_7F4A_7C15))
            }
        } else {
            for (level, length) in Self.ipv6PrefixLengths.enumerated() {
                let network = address.high >> UInt64(64 - length)
                rows[level] = row(Self.mix(network ^ Self.mix(UInt64(level + 101) &* 0xD6E8_FEB8_6659_FD93)))
            }
        }
    }

    /// The rows of `address`, as an array (for tests and verbose output).
    public func rows(of address: IPAddress) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: Self.levels) { buffer, count in
            rows(of: address, into: buffer.baseAddress!)
            count = Self.levels
        }
    }

    @inline(__always)
    func row(_ hash: UInt64) -> Int32 {
        Int32(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(rowCount)).high)
    }

    /// SplitMix64's finaliser: every input bit affects every output bit.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension IPAddress {
    /// A uniformly random address of the family of `address` (IPv6: global unicast,
    /// 2000::/3): the negative examples of training and of the validation AUC.
    public static func random(sameFamilyAs address: IPAddress, using random: inout RandomSource) -> IPAddress {
        if address.isIPv4 { return IPAddress(ipv4: UInt32(truncatingIfNeeded: random.next())) }
        return IPAddress(high: 0x2000_0000_0000_0000 | (random.next() >> 3), low: random.next())
    }
}
