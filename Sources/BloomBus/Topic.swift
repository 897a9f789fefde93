import BloomCore

/// A bus topic: the first frame of every bus message, sent as the name's UTF-8 bytes followed by a `\0` terminator.
///
/// ZeroMQ matches subscriptions by prefix. Because both the published frame and the subscription end with the
/// terminator, subscribing to `p2p.in.BLOCK` receives exactly that topic and never `p2p.in.BLOCKS`. A deliberate
/// prefix subscription (every `p2p.in.` topic) is ``BusClient/subscribe(prefix:)``, which sends no terminator.
///
/// Topic names are written by programmers, not received from peers: the initialiser traps on a name that contains
/// a `\0` or is longer than ``maxNameLength``. Names received from the bus go through ``init(frame:)``, which throws.
public struct Topic: Hashable, Sendable, CustomStringConvertible {
    /// The topic name, e.g. `"chain.tip"`.
    public let name: String
    /// `name` in UTF-8 plus the terminator: the bytes of the topic frame and of an exact subscription.
    public let frame: [UInt8]

    /// The byte that ends every topic frame.
    public static let terminator: UInt8 = 0
    /// Longest topic name accepted from the bus (bounds the memory a garbage frame can make us keep).
    public static let maxNameLength = 255

    /// A topic for a name written in code. Precondition: no `\0`, at most ``maxNameLength`` bytes.
    public init(_ name: String) {
        precondition(!name.utf8.contains(Self.terminator), "topic name contains NUL: \(name)")
        precondition(name.utf8.count <= Self.maxNameLength, "topic name too long: \(name)")
        self.name = name
        self.frame = Array(name.utf8) + [Self.terminator]
    }

    /// A topic for a name that comes from outside the code (a CLI argument, a configuration file): nil when it
    /// contains a `\0` or is longer than ``maxNameLength`` bytes.
    public init?(validating name: String) {
        guard !name.utf8.contains(Self.terminator), name.utf8.count <= Self.maxNameLength else { return nil }
        self.init(name)
    }

    /// Decodes a received topic frame: UTF-8 name, one terminator at the end, no other NUL.
    /// - Throws: ``DecodeError`` (`truncated` without terminator; `invalidValue` for a NUL inside, bad UTF-8 or a
    ///   name that is too long).
    public init(frame: UnsafeRawBufferPointer) throws(DecodeError) {
        guard let last = frame.last, last == Self.terminator else {
            throw DecodeError(.truncated, at: frame.count, field: "topic.terminator", detail: "no terminating NUL")
        }
        let body = UnsafeRawBufferPointer(rebasing: frame[0..<(frame.count - 1)])
        if body.count > Self.maxNameLength {
            throw DecodeError(
                .invalidValue,
                at: 0,
                field: "topic",
                detail: "\(body.count) bytes > \(Self.maxNameLength)"
            )
        }
        if let nul = body.firstIndex(of: Self.terminator) {
            throw DecodeError(.invalidValue, at: nul, field: "topic", detail: "NUL inside the name")
        }
        guard let name = String(validating: body, as: UTF8.self) else {
            throw DecodeError(.invalidValue, at: 0, field: "topic", detail: "not UTF-8")
        }
        self.name = name
        self.frame = Array(frame)
    }

    public var description: String { name }

    // The frame determines the name, so equality and hashing look at the frame alone (one memcmp / one hash).
    public static func == (a: Topic, b: Topic) -> Bool { a.frame == b.frame }

    public func hash(into hasher: inout Hasher) {
        frame.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// Whether `frame` holds exactly this topic (terminator included); used to reuse known topics on receipt.
    func matches(_ frame: UnsafeRawBufferPointer) -> Bool {
        self.frame.withUnsafeBytes { mine in
            guard mine.count == frame.count else { return false }
            guard let a = mine.baseAddress, let b = frame.baseAddress else { return true }
            return memcmp(a, b, mine.count) == 0
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
