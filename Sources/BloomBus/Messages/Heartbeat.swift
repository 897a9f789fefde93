import BloomCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A service replica's lifecycle state, as heartbeats report it and `bloom status --json` prints it.
public enum ServiceState: String, Hashable, Sendable, CaseIterable, Codable {
    case starting, ready, backoff, failed, stopping, stopped

    var code: UInt8 {
        switch self {
        case .starting: 1
        case .ready: 2
        case .backoff: 3
        case .failed: 4
        case .stopping: 5
        case .stopped: 6
        }
    }

    init?(code: UInt8) {
        guard let state = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = state
    }
}

/// `svc.heartbeat`: a service replica is alive. The first at once, then every 250 ms for 2 s, then every second.
/// bloom-sync adds its tip so that late joiners learn it without waiting for a `chain.tip` edge.
public struct Heartbeat: BusPayload, Hashable {
    /// Full service name (`bloom-net`).
    public var service: String
    /// `--replica` of the process.
    public var replica: UInt8
    /// The process id, so that the supervisor can match a heartbeat with its child.
    public var pid: UInt32
    /// The process's boot id (24 bits), as in its envelopes.
    public var bootID: UInt32
    /// Lifecycle state (`ready` once the service serves).
    public var state: ServiceState
    /// bloom-sync's best tip.
    public var tip: ChainTip?
    /// The host the process runs on (`gethostname`), so that a supervisor can list services of other hosts on the
    /// same bus.
    public var host: String

    /// A heartbeat from its parts; `host` defaults to this machine's name.
    public init(
        service: String,
        replica: UInt8,
        pid: UInt32,
        bootID: UInt32,
        state: ServiceState,
        tip: ChainTip? = nil,
        host: String = Heartbeat.localHost
    ) {
        self.service = service
        self.replica = replica
        self.pid = pid
        self.bootID = bootID
        self.state = state
        self.tip = tip
        self.host = host
    }

    /// This machine's host name, read once.
    public static let localHost: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : String(name.prefix(255))
    }()

    public init(from reader: inout ByteReader) throws(DecodeError) {
        service = try BusStrings.read(&reader, "heartbeat.service")
        replica = try reader.readU8("heartbeat.replica")
        pid = try reader.readU32("heartbeat.pid")
        let bootAt = reader.offset
        bootID = try reader.readU32("heartbeat.boot_id")
        if bootID > SenderID.maxBootID {
            throw DecodeError(
                .invalidValue,
                at: bootAt,
                field: "heartbeat.boot_id",
                detail: "\(bootID) exceeds 24 bits"
            )
        }
        let stateAt = reader.offset
        let code = try reader.readU8("heartbeat.state")
        guard let state = ServiceState(code: code) else {
            throw DecodeError(.invalidValue, at: stateAt, field: "heartbeat.state", detail: "unknown state \(code)")
        }
        self.state = state
        let tipAt = reader.offset
        switch try reader.readU8("heartbeat.has_tip") {
        case 0: tip = nil
        case 1: tip = try ChainTip(from: &reader)
        case let other:
            throw DecodeError(.invalidValue, at: tipAt, field: "heartbeat.has_tip", detail: "\(other) is not 0 or 1")
        }
        host = try BusStrings.read(&reader, "heartbeat.host")
    }

    public func encode(into writer: inout ByteWriter) {
        BusStrings.write(service, into: &writer)
        writer.u8(replica)
        writer.u32(pid)
        writer.u32(bootID & SenderID.maxBootID)
        writer.u8(state.code)
        if let tip {
            writer.u8(1)
            tip.encode(into: &writer)
        } else {
            writer.u8(0)
        }
        BusStrings.write(host, into: &writer)
    }
}

/// `chain.tip`: the best chain's tip changed. Besides the height and hash it names the tip's parent and the
/// SHA-256 of its certificate, so that bloom-gossip recognises the block built on its own seal (`gossip.sealed`
/// names the parent; the block hash cannot be known before bloom-sync sets the timestamp and transactions).
public struct ChainTip: BusPayload, Hashable {
    /// Height of the tip (genesis is 0).
    public var height: UInt32
    /// Block hash of the tip.
    public var hash: Hash256
    /// The tip's `prev_hash` (all zero for the genesis).
    public var parentHash: Hash256
    /// SHA-256 of the tip block's serialized certificate (``ConsensusCertificate/digest``).
    public var certificateHash: Hash256

    /// A tip from its parts.
    public init(height: UInt32, hash: Hash256, parentHash: Hash256, certificateHash: Hash256) {
        self.height = height
        self.hash = hash
        self.parentHash = parentHash
        self.certificateHash = certificateHash
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        height = try reader.readU32("tip.height")
        hash = try reader.readHash("tip.hash")
        parentHash = try reader.readHash("tip.parent_hash")
        certificateHash = try reader.readHash("tip.certificate_hash")
    }

    public func encode(into writer: inout ByteWriter) {
        writer.u32(height)
        writer.hash(hash)
        writer.hash(parentHash)
        writer.hash(certificateHash)
    }
}
