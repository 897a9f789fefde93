import BloomCore

/// `svc.replicas`: how many replicas each service runs, published by the supervisor at once after `bloom scale`,
/// with each of its own heartbeats (so a lost message is repaired within a second) and in answer to `svc.hello`.
/// bloom-net replicas split the outbound dials by it without restarting.
public struct ServiceReplicas: BusPayload, Hashable {
    /// The most replicas a service may run (`bloom scale` accepts 1 to 64).
    public static let maxReplicas: UInt8 = 64

    /// Full service name → replica count (1…``maxReplicas``).
    public var counts: [String: UInt8]

    /// A message with these counts.
    public init(counts: [String: UInt8]) { self.counts = counts }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let entries = try reader.readU8("replicas.count")
        var counts: [String: UInt8] = [:]
        for _ in 0..<entries {
            let name = try BusStrings.read(&reader, "replicas.service")
            let at = reader.offset
            let count = try reader.readU8("replicas.replicas")
            guard (1...Self.maxReplicas).contains(count) else {
                throw DecodeError(.invalidValue, at: at, field: "replicas.replicas", detail: "\(count) not in 1…64")
            }
            guard counts.updateValue(count, forKey: name) == nil else {
                throw DecodeError(.invalidValue, at: at, field: "replicas.service", detail: "\(name) listed twice")
            }
        }
        self.counts = counts
    }

    /// Writes the entries in name order; at most 255 services (the node has four).
    public func encode(into writer: inout ByteWriter) {
        let entries = counts.sorted { $0.key < $1.key }.prefix(Int(UInt8.max))
        writer.u8(UInt8(entries.count))
        for (name, count) in entries {
            BusStrings.write(name, into: &writer)
            writer.u8(count)
        }
    }
}
