/// One complete frame off the stream: its type code and its payload (the header is gone).
///
/// The payload is a fresh array owned by the frame, so the decoder's buffer can be reused at once.
public struct Frame: Hashable, Sendable {
    /// The frame's type byte, known or not.
    public var type: MessageType
    /// The payload bytes, exactly `length` (or `real_length`) of them.
    public var payload: [UInt8]

    /// A frame of `type` carrying `payload` (takes ownership of the array).
    public init(type: MessageType, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }
}
