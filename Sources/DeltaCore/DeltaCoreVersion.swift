/// The version of DeltaCore and its tools.
public enum DeltaCoreVersion {
    /// The version string printed by `--version`.
    public static let string = "0.1.0"
}
