import Foundation

/// The seed of a test's random choices: `SLUICE_TEST_SEED` when set (to repeat a failed run),
/// otherwise a fresh one. It is printed, and tests put it in their failure messages.
public enum TestSeed {
    public static let variable = "SLUICE_TEST_SEED"

    /// The seed for `test`, printed with how to repeat it.
    public static func draw(for test: String) -> UInt64 {
        let seed =
            ProcessInfo.processInfo.environment[variable].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("\(test): random choices from seed \(seed) (\(variable)=\(seed) repeats them)")
        return seed
    }
}
