import BloomCore
import NIOCore
import NIOHTTP1

/// The open `/events` streams (server-sent events). The poller broadcasts one event a second; each stream gets it on
/// its own event loop. A stream whose client reads too slowly (its channel stops being writable) misses events
/// instead of buffering them without bound.
public final class EventHub: Sendable {
    private let channels = Locked<[ObjectIdentifier: any Channel]>([:])
    /// Most streams served at once; one more is answered 503.
    public static let maxStreams = 64

    public init() {}

    /// How many streams are open.
    public var count: Int { channels.withLock { $0.count } }

    /// Adds a stream; `false` when ``maxStreams`` are open already.
    func add(_ channel: any Channel) -> Bool {
        let added = channels.withLock { channels -> Bool in
            guard channels.count < Self.maxStreams else { return false }
            channels[ObjectIdentifier(channel)] = channel
            return true
        }
        if added {
            channel.closeFuture.whenComplete { [weak self] _ in
                self?.channels.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
            }
        }
        return added
    }

    /// Sends `data` (one line of JSON) as an event named `event` to every stream.
    public func broadcast(event: String, data: String) {
        let text = "event: \(event)\ndata: \(data)\n\n"
        for channel in channels.withLock({ Array($0.values) }) where channel.isWritable {
            let buffer = channel.allocator.buffer(string: text)
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        }
    }
}
