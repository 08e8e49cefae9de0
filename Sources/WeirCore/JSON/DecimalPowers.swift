/// The powers of ten that are exact in a Double (10^0 ... 10^22): a decimal with at most
/// 15 significant digits and k fraction digits is m / 10^k, correctly rounded, when both
/// are exact. Shared by every number parser and printer in Weir.
public enum DecimalPowers {
    public static let exact: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
                                         1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]
}
