/// Metadata keys of BloomBus log lines, in one place so that log queries can rely on them.
public enum BusLogKeys {
    /// The error that caused the line.
    public static let error = "bloom.bus.error"
    /// The name of the socket loop (its thread name).
    public static let loop = "bloom.bus.loop"
    /// The index of a socket within its loop.
    public static let socket = "bloom.bus.socket"
    /// The sender of a bus message (`bloom-net/0/1a2b3c`).
    public static let sender = "bloom.bus.sender"
}
