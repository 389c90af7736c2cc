/// The Sluice release this build belongs to.
public enum SluiceVersion {
    public static let current = "0.1.0"
}
