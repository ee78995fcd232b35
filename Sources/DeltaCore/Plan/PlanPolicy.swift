/// What the planner minimises.
public enum PlanPreference: Hashable, Sendable {
    /// Fewest bytes downloaded (GLEP 25's goal): a chain is worth it when its patches weigh
    /// less than ``PlanPolicy/worthItRatio`` times the full file.
    case bytes
    /// Soonest finished: download time at the link's speed plus the rebuild's cost. On a
    /// fast link a plain download can finish first.
    case time(RebuildCostModel)
}

/// The rules the planner decides by.
public struct PlanPolicy: Hashable, Sendable {
    /// A chain is worth fetching only when its patch bytes are below this fraction of the
    /// full file's size. GLEP 25 says 1.0 (patches must weigh less than the file); debdelta
    /// found deltas over about 70 % of the target not worth their rebuild, hence a setting.
    public var worthItRatio: Double
    /// Bytes or time.
    public var preference: PlanPreference

    /// Defaults to GLEP 25's rule: fewest bytes, worth it below the full size.
    public init(worthItRatio: Double = 1.0, preference: PlanPreference = .bytes) {
        self.worthItRatio = worthItRatio
        self.preference = preference
    }
}
