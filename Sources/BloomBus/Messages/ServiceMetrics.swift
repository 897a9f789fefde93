import BloomCore

/// `svc.metrics`: a service replica's metrics, once a second, in the Prometheus text exposition format (0.0.4) as
/// its own registry renders it, without `service` or `replica` labels: the sender (service, replica, boot id) is the
/// envelope's, and the supervisor adds both labels when it serves `/metrics`.
///
/// A snapshot replaces the previous one of the same replica; a replica that stops sending has no series (the
/// supervisor drops a snapshot when the process it came from exits). Text, not a binary layout: the supervisor
/// parses it back anyway, and any Prometheus tooling can read a captured message.
///
/// The payload is the UTF-8 text, every remaining byte (``maxBytes`` at most: a bad sender cannot make the
/// supervisor hold more).
public struct ServiceMetrics: BusPayload, Hashable {
    /// Largest snapshot accepted or sent: a node's services render a few kB; 1 MiB leaves room for many labels.
    public static let maxBytes = 1 << 20

    /// The exposition text, UTF-8.
    public var text: [UInt8]

    /// A snapshot carrying `text`.
    public init(text: [UInt8]) { self.text = text }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        guard reader.remaining <= Self.maxBytes else {
            throw DecodeError(.countOutOfRange, at: reader.offset, field: "metrics.text", detail: "\(reader.remaining) bytes")
        }
        text = try BusStrings.readRest(&reader, "metrics.text")
        guard String(validating: text, as: UTF8.self) != nil else {
            throw DecodeError(.invalidValue, at: 0, field: "metrics.text", detail: "not UTF-8")
        }
    }

    public func encode(into writer: inout ByteWriter) { writer.append(text) }
}
