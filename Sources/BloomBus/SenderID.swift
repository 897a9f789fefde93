/// Which kind of service published a message. An open set (a newer service may appear), so a struct with named
/// constants; the raw value is what the envelope carries.
public struct ServiceKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `bloom-supervisor`.
    public static let supervisor = ServiceKind(rawValue: 1)
    /// `bloom-net`.
    public static let net = ServiceKind(rawValue: 2)
    /// `bloom-sync`.
    public static let sync = ServiceKind(rawValue: 3)
    /// `bloom-gossip`.
    public static let gossip = ServiceKind(rawValue: 4)
    /// `bloom` (the CLI).
    public static let cli = ServiceKind(rawValue: 5)
    /// Test code and the mock bus.
    public static let test = ServiceKind(rawValue: 0xFE)

    /// The full service name used in JSON and topics (`bloom-net`), or `service-<n>` for an unknown kind.
    public var name: String {
        switch self {
        case .supervisor: "bloom-supervisor"
        case .net: "bloom-net"
        case .sync: "bloom-sync"
        case .gossip: "bloom-gossip"
        case .cli: "bloom"
        case .test: "test"
        default: "service-\(rawValue)"
        }
    }

    /// The kind for a full or short service name (`bloom-net` or `net`); nil if unknown.
    public init?(name: String) {
        for kind in [ServiceKind.supervisor, .net, .sync, .gossip, .cli, .test]
        where kind.name == name || kind.name == "bloom-" + name {
            self = kind
            return
        }
        return nil
    }

    public var description: String { name }
}

/// Who published a message: the service, which replica of it, and the boot id of that process.
///
/// The boot id is random per process start (24 bits, never 0), so receivers can tell a restarted replica from the
/// one before it: its sequence numbers start again, and (for bloom-net) its peers are gone.
public struct SenderID: Hashable, Sendable, CustomStringConvertible {
    /// The publishing service.
    public var service: ServiceKind
    /// Which replica of it (`--replica`).
    public var replica: UInt8
    /// 24 bits; the envelope rejects larger values.
    public var bootID: UInt32

    /// Largest boot id (boot ids fill 24 bits of a ``PeerID``).
    public static let maxBootID: UInt32 = 0xFF_FFFF

    /// A sender; `bootID` keeps its low 24 bits.
    public init(service: ServiceKind, replica: UInt8, bootID: UInt32) {
        self.service = service
        self.replica = replica
        self.bootID = bootID & Self.maxBootID
    }

    /// A sender with a fresh random boot id.
    public static func newBoot(service: ServiceKind, replica: UInt8 = 0) -> SenderID {
        SenderID(service: service, replica: replica, bootID: UInt32.random(in: 1...maxBootID))
    }

    /// `bloom-net/0/1a2b3c`.
    public var description: String {
        let boot = String(bootID, radix: 16)
        return "\(service.name)/\(replica)/\(String(repeating: "0", count: max(0, 6 - boot.count)))\(boot)"
    }
}
