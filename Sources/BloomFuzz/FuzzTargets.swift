/// Every fuzz target, by name. `Scripts/fuzz --list` prints this list.
public enum FuzzTargets {
    /// All targets, in a stable order.
    public static let all: [FuzzTarget] =
        WireTargets.all + CoreTargets.all + BusTargets.all + ConfigurationTargets.all

    /// The target called `name`, if any.
    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}
