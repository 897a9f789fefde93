"""Blocks and transactions in the wire format (spec §4.2, §4.3), and what the run saw of each node's main chain.

Only what the soak needs: the transactions of a block (to find spendable outputs and what got mined) and the
serialization of a plain transfer. Signatures are not checked by the protocol (spec §4.3): 64 zero bytes.
"""
import hashlib
import struct


def sha256d(data):
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


class Tx:
    def __init__(self, inputs, outputs, version=1, locktime=0):
        self.inputs = inputs  # [(prev_txid bytes, index)]
        self.outputs = outputs  # [(amount, address bytes)]
        self.version = version
        self.locktime = locktime

    def signing_bytes(self):
        out = struct.pack("<II", self.version, len(self.inputs))
        for prev, index in self.inputs:
            out += prev + struct.pack("<I", index)
        out += struct.pack("<I", len(self.outputs))
        for amount, address in self.outputs:
            out += struct.pack("<Q", amount) + address
        return out + struct.pack("<I", self.locktime)

    def serialized(self):
        out = struct.pack("<II", self.version, len(self.inputs))
        for prev, index in self.inputs:
            out += prev + struct.pack("<I", index) + bytes(64)
        out += struct.pack("<I", len(self.outputs))
        for amount, address in self.outputs:
            out += struct.pack("<Q", amount) + address
        return out + struct.pack("<I", self.locktime)

    @property
    def txid(self):
        """Hex of SHA256d(signing bytes), in the node's byte order (Hash256.hex: the bytes as they are)."""
        return sha256d(self.signing_bytes()).hex()

    @property
    def is_coinbase(self):
        return len(self.inputs) == 1 and self.inputs[0][0] == bytes(32)

    @staticmethod
    def decode(data):
        pos = 0

        def take(n):
            nonlocal pos
            if pos + n > len(data):
                raise ValueError("truncated transaction")
            piece = data[pos:pos + n]
            pos += n
            return piece

        version, count = struct.unpack("<II", take(8))
        inputs = []
        for _ in range(count):
            prev = take(32)
            (index,) = struct.unpack("<I", take(4))
            take(64)
            inputs.append((prev, index))
        (count,) = struct.unpack("<I", take(4))
        outputs = []
        for _ in range(count):
            (amount,) = struct.unpack("<Q", take(8))
            outputs.append((amount, take(32)))
        (locktime,) = struct.unpack("<I", take(4))
        return Tx(inputs, outputs, version, locktime)


def block_transactions(block_hex):
    """The transactions of a serialized block."""
    data = bytes.fromhex(block_hex)
    pos = 92
    (cert_len,) = struct.unpack_from("<I", data, pos)
    pos += 4 + cert_len
    (count,) = struct.unpack_from("<I", data, pos)
    pos += 4
    txs = []
    for _ in range(count):
        (length,) = struct.unpack_from("<I", data, pos)
        pos += 4
        txs.append(Tx.decode(data[pos:pos + length]))
        pos += length
    return txs


class ChainTracker:
    """Each node's main chain as the run saw it, block by block, with every reorganisation and rollback.

    Each poll reads the node's tip; a new tip is walked back through `prev_hash` (asking the node for each block it
    has not seen) until it meets the chain already known for that node. The blocks of the old chain above the meeting
    point left the main chain: a *reorg* when the new tip is at least as high (more work: every block has the same
    difficulty), a *rollback* (blocks lost, a fault) when it is lower. Observations must come in the order their
    tips were read: a tip read before another but observed after it looks like a rollback.
    """

    def __init__(self, log):
        self.log = log
        self.chains = {}  # node name -> {height: hash}
        self.tips = {}  # node name -> (height, hash)
        self.blocks = {}  # hash -> {"height", "prev", "hex"}
        self.accepted = {}  # hash -> first node that had it on its main chain
        self.reorgs = []  # (time, node, old tip, new tip, fork height, [removed hashes])
        self.rollbacks = []
        self.removed = set()  # hashes some node's reorg took off its main chain

    def fetch(self, node, ident):
        b = node.block(ident)
        if not b or not isinstance(b.get("hash"), str):
            return None
        entry = {"height": int(b["height"]), "prev": b.get("prev_hash"), "hex": b.get("hex")}
        self.blocks[b["hash"]] = entry
        return b["hash"], entry

    def observe(self, node, height, tip, now):
        """Records node's tip; returns False when the walk could not finish (the node stopped answering)."""
        name = node.name
        chain = self.chains.setdefault(name, {})
        if self.tips.get(name) == (height, tip):
            return True
        walk = []
        cursor, h = tip, height
        while h > 0 and chain.get(h) != cursor:
            entry = self.blocks.get(cursor)
            if entry is None:
                got = self.fetch(node, cursor)
                if got is None:
                    return False
                entry = got[1]
            walk.append((h, cursor))
            cursor, h = entry["prev"], h - 1
        if h == 0 and chain.get(0) not in (None, cursor):
            self.log(f"{name}: a different genesis {cursor[:16]}")
        fork = h
        old_tip = self.tips.get(name)
        removed = [chain[k] for k in sorted(chain) if k > fork]
        if removed:
            kind = "reorg" if height >= old_tip[0] else "ROLLBACK"
            record = (now, name, old_tip, (height, tip), fork, removed)
            if kind == "reorg":
                self.reorgs.append(record)
                self.removed.update(removed)
            else:
                self.rollbacks.append(record)
            self.log(f"{kind} on {name}: tip {old_tip[0]}:{old_tip[1][:12]} -> {height}:{tip[:12]}, fork at "
                     f"{fork}, {len(removed)} block(s) off the main chain: "
                     + ", ".join(x[:12] for x in removed[:6]) + (" …" if len(removed) > 6 else ""))
            for k in [k for k in chain if k > fork]:
                del chain[k]
        if h == 0 and 0 not in chain:
            chain[0] = cursor
        for hh, hsh in walk:
            chain[hh] = hsh
            self.accepted.setdefault(hsh, name)
        self.tips[name] = (height, tip)
        return True
