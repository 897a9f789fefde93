import BloomBus
import NIOCore

/// The NIO end of one peer connection: hands bytes, EOF, writability and errors to the ``NetNode`` that owns
/// the connection's state. It holds no protocol state itself.
///
/// Runs on the node's single event loop, like the node, so calls into it need no hop.
final class PeerChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let node: NetNode
    private let direction: PeerConnection.Direction
    private let dialled: PeerEndpoint?
    private var id: PeerID?

    init(node: NetNode, direction: PeerConnection.Direction, dialled: PeerEndpoint?) {
        self.node = node
        self.direction = direction
        self.dialled = dialled
    }

    func channelActive(context: ChannelHandlerContext) {
        id = node.channelActive(context.channel, direction: direction, dialled: dialled)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let id else { return }
        let buffer = unwrapInboundIn(data)
        node.received(buffer, from: id)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let id { node.flush(id) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let id, let event = event as? ChannelEvent, case .inputClosed = event {
            node.endOfStream(from: id)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let id { node.writabilityChanged(id, writable: context.channel.isWritable) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let id { node.transportError(id, error: error) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let id { node.channelInactive(id) }
        context.fireChannelInactive()
    }
}
