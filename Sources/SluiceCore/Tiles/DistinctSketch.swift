/// Distinct values of a field, counted exactly up to `exactLimit` and with HyperLogLog after.
///
/// Exact mode keeps the sorted 64-bit stable hashes of the values: distinct values collide only
/// with probability about n²/2⁶⁵ (under 10⁻¹³ at the limit). Past the limit the sketch becomes a
/// HyperLogLog with 2¹² registers: relative standard error 1.04/√4096 ≈ 1.6%, so estimates are
/// within ±3.3% with about 95% probability. Merging is exact in exact mode and lossless in HLL mode.
public enum DistinctSketch: Sendable, Equatable {
    case exact([UInt64])
    case hyperLogLog([UInt8])

    public static let exactLimit = 1024
    public static let precision = 12
    public static let registerCount = 1 << precision

    public static let empty = DistinctSketch.exact([])

    public var count: Double {
        switch self {
        case .exact(let hashes): Double(hashes.count)
        case .hyperLogLog(let registers): Self.estimate(registers)
        }
    }

    /// Whether the value with this hash was inserted; nil for a HyperLogLog, which cannot tell.
    public func contains(_ hash: UInt64) -> Bool? {
        switch self {
        case .exact(let hashes):
            let index = hashes.insertionIndex(of: hash)
            return index < hashes.count && hashes[index] == hash
        case .hyperLogLog:
            return nil
        }
    }

    public mutating func insert(_ hash: UInt64) {
        switch self {
        case .exact(var hashes):
            let index = hashes.insertionIndex(of: hash)
            guard index == hashes.count || hashes[index] != hash else { return }
            if hashes.count >= Self.exactLimit {
                var registers = Self.registers(of: hashes)
                Self.add(hash, to: &registers)
                self = .hyperLogLog(registers)
                return
            }
            self = .exact([])  // release the array so the insert does not copy it
            hashes.insert(hash, at: index)
            self = .exact(hashes)
        case .hyperLogLog(var registers):
            self = .exact([])
            Self.add(hash, to: &registers)
            self = .hyperLogLog(registers)
        }
    }

    public mutating func merge(_ other: DistinctSketch) {
        switch (self, other) {
        case (.exact(let mine), .exact(let theirs)):
            if theirs.isEmpty { return }
            if mine.isEmpty {
                self = other
                return
            }
            let union = mergeSorted(mine, theirs)
            self = union.count > Self.exactLimit ? .hyperLogLog(Self.registers(of: union)) : .exact(union)
        case (.exact(let mine), .hyperLogLog(var registers)):
            for hash in mine { Self.add(hash, to: &registers) }
            self = .hyperLogLog(registers)
        case (.hyperLogLog(var registers), .exact(let theirs)):
            for hash in theirs { Self.add(hash, to: &registers) }
            self = .hyperLogLog(registers)
        case (.hyperLogLog(var registers), .hyperLogLog(let theirs)):
            Self.maxRegisters(&registers, theirs)
            self = .hyperLogLog(registers)
        }
    }

    // MARK: - HyperLogLog

    /// registers[i] = max(registers[i], other[i]). A plain loop over raw buffers, which the
    /// compiler vectorises (pmaxub); the SIMD32 `replacing(with:where:)` spelling was compiled
    /// into one register at a time through the stack.
    public static func maxRegisters(_ registers: inout [UInt8], _ other: [UInt8]) {
        precondition(registers.count == other.count)
        registers.withUnsafeMutableBufferPointer { target in
            other.withUnsafeBufferPointer { source in
                guard let targetBase = target.baseAddress, let sourceBase = source.baseAddress else { return }
                for index in 0..<target.count {
                    targetBase[index] = Swift.max(targetBase[index], sourceBase[index])
                }
            }
        }
    }

    static func registers(of hashes: [UInt64]) -> [UInt8] {
        var registers = [UInt8](repeating: 0, count: registerCount)
        for hash in hashes { add(hash, to: &registers) }
        return registers
    }

    @inline(__always)
    static func add(_ hash: UInt64, to registers: inout [UInt8]) {
        let index = Int(hash >> UInt64(64 - precision))
        let rest = hash << UInt64(precision)
        let rank = UInt8(min(rest.leadingZeroBitCount, 64 - precision) + 1)
        if rank > registers[index] { registers[index] = rank }
    }

    static func estimate(_ registers: [UInt8]) -> Double {
        var histogram = [Int32](repeating: 0, count: 64)
        for register in registers { histogram[Int(register)] += 1 }
        return estimate(histogram: histogram)
    }

    /// The estimate from how many registers hold each value: the sum of 2^-r over the registers
    /// in a fixed order (by value), so that a set that keeps its histogram up to date
    /// (`DistinctSet`) gets the same bits as a count over the registers.
    static func estimate(histogram: [Int32]) -> Double {
        let m = Double(registerCount)
        var sum = 0.0
        for (value, registers) in histogram.enumerated() where registers > 0 {
            sum += Double(registers) * inversePowersOfTwo[value]
        }
        let zeros = Int(histogram[0])
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        // Small-range correction (linear counting) where the raw estimate is biased.
        if raw <= 2.5 * m && zeros > 0 { return (m * log(m / Double(zeros))).rounded() }
        return raw.rounded()
    }
}

/// 2^-r for every register value r (exact in binary, so the sum is the same as dividing).
private let inversePowersOfTwo: [Double] = (0..<64).map { 1.0 / Double(UInt64(1) << UInt64($0)) }

extension Array where Element == UInt64 {
    /// The index of the first element not less than `value` (binary search on a sorted array).
    func insertionIndex(of value: UInt64) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

private func mergeSorted(_ left: [UInt64], _ right: [UInt64]) -> [UInt64] {
    var result: [UInt64] = []
    result.reserveCapacity(left.count + right.count)
    var i = 0
    var j = 0
    while i < left.count && j < right.count {
        if left[i] < right[j] {
            result.append(left[i])
            i += 1
        } else if left[i] > right[j] {
            result.append(right[j])
            j += 1
        } else {
            result.append(left[i])
            i += 1
            j += 1
        }
    }
    result.append(contentsOf: left[i...])
    result.append(contentsOf: right[j...])
    return result
}

/// Natural logarithm without Foundation: log(x) = log2(x) · ln 2, with log2 from the exponent and
/// a series on the mantissa. Only used for HyperLogLog's linear counting, where 1e-12 is plenty.
func log(_ x: Double) -> Double {
    precondition(x > 0)
    let exponent = Double(x.exponent)
    let mantissa = x.significand  // in [1, 2)
    // ln(m) = 2 artanh((m-1)/(m+1))
    let y = (mantissa - 1) / (mantissa + 1)
    var term = y
    var sum = 0.0
    var n = 1.0
    let y2 = y * y
    while abs(term / n) > 1e-17 {
        sum += term / n
        term *= y2
        n += 2
    }
    return 2 * sum + exponent * 0.693_147_180_559_945_3
}
