/// One transaction input (spec §4.3): 100 bytes on the wire.
public struct TxInput: Hashable, Sendable {
    /// Serialized size in bytes.
    public static let size = 100
    /// Size of a signature, which is outside the txid and never verified in v1.
    public static let signatureSize = 64

    /// txid of the transaction whose output is spent; zero for a coinbase.
    public var prevTx: Hash256
    /// Index of the spent output (a coinbase stores the block height here).
    public var outputIndex: UInt32
    /// 64 bytes. The encoder writes exactly 64: shorter is zero-padded, longer is cut.
    public var signature: [UInt8]

    /// Creates an input.
    public init(prevTx: Hash256, outputIndex: UInt32, signature: [UInt8] = [UInt8](repeating: 0, count: 64)) {
        self.prevTx = prevTx
        self.outputIndex = outputIndex
        self.signature = signature
    }

    /// The outpoint this input spends.
    public var outPoint: OutPoint { OutPoint(txid: prevTx, index: outputIndex) }
}

/// One transaction output (spec §4.3): 40 bytes on the wire.
public struct TxOutput: Hashable, Sendable {
    /// Serialized size in bytes.
    public static let size = 40

    /// Base units (1 BLOOM = 10^8).
    public var amount: UInt64
    /// The 32-byte recipient address.
    public var address: Hash256

    /// Creates an output.
    public init(amount: UInt64, address: Hash256) {
        self.amount = amount
        self.address = address
    }
}

/// A reference to one output of one transaction.
public struct OutPoint: Hashable, Sendable, CustomStringConvertible {
    /// The transaction that created the output.
    public var txid: Hash256
    /// The output's position in that transaction.
    public var index: UInt32

    /// Creates an outpoint.
    public init(txid: Hash256, index: UInt32) {
        self.txid = txid
        self.index = index
    }

    public var description: String { "\(txid.hex):\(index)" }
}
