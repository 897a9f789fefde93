"""A steady load of valid transactions.

Outputs are spent only once they are *settled*: in a block that every answering node has on its main chain at the
same height, at least `SETTLE_DEPTH` below the lowest tip. Such a block cannot be reorganised away (no node builds
on anything else), so a transaction the run submits can only be refused or lost by a fault of the node, never by
the chaos itself. Each transaction spends one settled output into two (half each, to random addresses), so the
supply grows with the chain; an output is never spent twice.
"""
import threading

from .chainview import Tx, block_transactions

SETTLE_DEPTH = 3


class Load:
    def __init__(self, rng, log):
        self.rng = rng
        self.log = log
        self.settled_height = 0
        self.settled = {}  # height -> hash
        self.unspent = []  # (txid hex, index, amount)
        self.spent = set()  # (txid hex, index)
        self.accepted = {}  # txid -> (time, node, hex)
        self.refused = {}  # reason -> count
        self.submitted = 0
        self.lock = threading.Lock()  # the watcher settles blocks while the feeder spends

    def settle(self, tracker, nodes):
        """Extends the settled prefix from the nodes' chains as the tracker knows them."""
        with self.lock:
            self._settle(tracker, nodes)

    def _settle(self, tracker, nodes):
        chains = [tracker.chains.get(n.name) for n in nodes]
        tips = [tracker.tips.get(n.name) for n in nodes]
        if any(c is None for c in chains) or any(t is None for t in tips):
            return
        top = min(t[0] for t in tips) - SETTLE_DEPTH
        h = self.settled_height + 1
        while h <= top:
            hashes = {c.get(h) for c in chains}
            if len(hashes) != 1 or None in hashes:
                break
            block_hash = hashes.pop()
            entry = tracker.blocks.get(block_hash)
            if entry is None or not entry.get("hex"):
                break
            self.settled[h] = block_hash
            for tx in block_transactions(entry["hex"]):
                for index, (amount, _) in enumerate(tx.outputs):
                    if amount >= 2 and (tx.txid, index) not in self.spent:
                        self.unspent.append((tx.txid, index, amount))
            self.settled_height = h
            h += 1

    def next_transaction(self):
        """A new transfer from a random settled output, or None while there is none."""
        if not self.unspent:
            return None
        txid, index, amount = self.unspent.pop(self.rng.randrange(len(self.unspent)))
        self.spent.add((txid, index))
        half = amount // 2
        tx = Tx([(bytes.fromhex(txid), index)], [(half, self.rng.randbytes(32)), (amount - half, self.rng.randbytes(32))])
        return tx

    def submit(self, node, now):
        with self.lock:
            tx = self.next_transaction()
            if tx is None:
                return
            self.submitted += 1
        hex_tx = tx.serialized().hex()
        ok, detail = node.submit(hex_tx)
        with self.lock:
            self.record(tx, hex_tx, ok, detail, node, now)

    def record(self, tx, hex_tx, ok, detail, node, now):
        if ok:
            self.accepted[tx.txid] = (now, node.name, hex_tx)
        else:
            reason = detail.split("transaction refused:")[-1].strip()[:80]
            self.refused[reason] = self.refused.get(reason, 0) + 1
            # The output stays spent: a refusal after a timeout may hide an acceptance, and offering the output again
            # in another transaction would make the run double-spend it.
