"""Where the chaos nodes live: one network namespace per node on a bridge (a hub namespace), or loopback.

Namespaces: hub namespace `<tag>-hub` holds two bridges; node i gets namespace `<tag>-n<i>` with `eth0`
(10.216.<net>.<10+i>/24) on a veth whose other end is on bridge br0. Every node's veth is its link to the others.

- A partition moves one half's veths to the second bridge, br1: the halves share no segment, so every packet
  between them vanishes silently, as on a cut cable (nothing is refused; TCP finds out by its own timeouts).
- Degraded links are `tc` rules on each node's eth0: an htb root whose class 1:4 holds the degraded traffic, chosen
  by u32 filters on the destination address (both directions of a link carry the rule). Where the kernel has netem,
  class 1:4 gets a netem qdisc with delay, jitter and loss; where it does not (the project's 2-core VM has no
  sch_netem), class 1:4 is rate-limited (htb) with a short queue (pfifo): queueing delay and tail drops instead.

Loopback (no namespaces: not root, or `ip netns` refused): node i binds 127.0.0.<10+i>; partitions and degraded
links are not possible there and are skipped (the run says so).
"""
import os
import subprocess

LINK_PREF = 300  # filter preference base for degraded-link rules


def run(cmd, check=True):
    """Runs a command, returning its completed process; raises with its stderr when `check` and it fails."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def namespaces_available():
    """(True, '') when this process may create network namespaces and veths, else (False, why)."""
    if os.geteuid() != 0:
        return False, "not root"
    for tool in ("ip", "tc", "nsenter"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode != 0:
            return False, f"no {tool} on PATH"
    probe = f"chaosprobe{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return False, f"ip netns add: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return True, ""


class LoopbackNet:
    """Nodes on 127.0.0.<10+i>, each its own port; no link faults."""

    kind = "loopback"
    supports_links = False

    def __init__(self, count, ports):
        self.count = count
        self.ports = ports

    def setup(self):
        pass

    def address(self, i):
        return f"127.0.0.{10 + i}"

    def port(self, i):
        return self.ports[i]

    def wrap(self, i, argv):
        return argv

    def pids(self):
        return []

    def teardown(self, log):
        pass


class NamespaceNet:
    """Nodes in namespaces on a bridge; partitions and netem by tc rules on each node's eth0."""

    kind = "namespaces"
    supports_links = True

    def __init__(self, count, tag, subnet):
        self.count = count
        self.tag = tag
        self.subnet = subnet  # third octet of 10.216.X.0/24
        self.created = []  # namespaces made, for teardown
        self.partitioned = set()  # nodes whose veth is on br1
        self.netem = False  # whether the kernel has sch_netem (probed in setup)
        self.degraded = {}  # node -> set of peers on the degraded band

    def ns(self, i):
        return f"{self.tag}-n{i}"

    @property
    def hub(self):
        return f"{self.tag}-hub"

    def address(self, i):
        return f"10.216.{self.subnet}.{10 + i}"

    def port(self, i):
        return 7618

    def wrap(self, i, argv):
        """The command run inside node i's namespace (network only: the filesystem and mounts are shared)."""
        return ["nsenter", f"--net=/run/netns/{self.ns(i)}", "--"] + argv

    def _in(self, ns, *cmd, check=True):
        return run(["ip", "netns", "exec", ns, *cmd], check=check)

    def setup(self):
        run(["ip", "netns", "add", self.hub])
        self.created.append(self.hub)
        for bridge in ("br0", "br1"):
            self._in(self.hub, "ip", "link", "add", bridge, "type", "bridge")
            self._in(self.hub, "ip", "link", "set", bridge, "up")
        self._in(self.hub, "ip", "link", "set", "lo", "up")
        for i in range(self.count):
            ns = self.ns(i)
            run(["ip", "netns", "add", ns])
            self.created.append(ns)
            inner = f"{self.tag}i{i}"
            run(["ip", "link", "add", inner, "type", "veth", "peer", "name", self.outer(i)])
            run(["ip", "link", "set", inner, "netns", ns])
            run(["ip", "link", "set", self.outer(i), "netns", self.hub])
            self._in(ns, "ip", "link", "set", inner, "name", "eth0")
            self._in(ns, "ip", "addr", "add", f"{self.address(i)}/24", "dev", "eth0")
            self._in(ns, "ip", "link", "set", "eth0", "up")
            self._in(ns, "ip", "link", "set", "lo", "up")
            self._in(self.hub, "ip", "link", "set", self.outer(i), "master", "br0")
            self._in(self.hub, "ip", "link", "set", self.outer(i), "up")
            # Class 1:1: normal traffic; class 1:4: degraded links (no limit until a fault sets one).
            self._in(ns, "tc", "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "htb", "default", "1",
                     "r2q", "1000")
            self._in(ns, "tc", "class", "add", "dev", "eth0", "parent", "1:", "classid", "1:1", "htb", "rate",
                     "10gbit")
            self._in(ns, "tc", "class", "add", "dev", "eth0", "parent", "1:", "classid", "1:4", "htb", "rate",
                     "10gbit")
            if i == 0:
                probe = self._in(ns, "tc", "qdisc", "add", "dev", "eth0", "parent", "1:4", "handle", "40:",
                                 "netem", "delay", "0ms", check=False)
                self.netem = probe.returncode == 0
            elif self.netem:
                self._in(ns, "tc", "qdisc", "add", "dev", "eth0", "parent", "1:4", "handle", "40:", "netem",
                         "delay", "0ms")
            if not self.netem:
                self._in(ns, "tc", "qdisc", "add", "dev", "eth0", "parent", "1:4", "handle", "40:", "pfifo",
                         "limit", "1000")
            self.degraded[i] = set()

    def outer(self, i):
        return f"{self.tag}o{i}"

    def _filter(self, i, peer, pref, band):
        self._in(self.ns(i), "tc", "filter", "add", "dev", "eth0", "parent", "1:", "protocol", "ip", "pref",
                 str(pref + peer), "u32", "match", "ip", "dst", f"{self.address(peer)}/32", "flowid", f"1:{band}")

    def _unfilter(self, i, peer, pref):
        self._in(self.ns(i), "tc", "filter", "del", "dev", "eth0", "parent", "1:", "protocol", "ip", "pref",
                 str(pref + peer), "u32", check=False)

    def partition(self, side_a, side_b):
        """No packet passes between the two sides: side_b's veths move to the other bridge."""
        for b in side_b:
            self._in(self.hub, "ip", "link", "set", self.outer(b), "master", "br1")
        self.partitioned = set(side_b)

    def heal(self):
        for b in sorted(self.partitioned):
            self._in(self.hub, "ip", "link", "set", self.outer(b), "master", "br0")
        self.partitioned = set()

    def degrade(self, links, delay_ms, jitter_ms, loss_pct, rate_kbit, queue):
        """Degrades the given links (pairs), both ways, with one setting for all: netem delay ± jitter and loss
        where the kernel has netem, else an htb rate of `rate_kbit` with a `queue`-packet fifo. Returns what it did."""
        for i in range(self.count):
            ns = self.ns(i)
            if self.netem:
                self._in(ns, "tc", "qdisc", "change", "dev", "eth0", "parent", "1:4", "handle", "40:", "netem",
                         "delay", f"{delay_ms}ms", f"{jitter_ms}ms", "loss", f"{loss_pct}%")
            else:
                self._in(ns, "tc", "class", "change", "dev", "eth0", "parent", "1:", "classid", "1:4", "htb",
                         "rate", f"{rate_kbit}kbit", "ceil", f"{rate_kbit}kbit", "burst", "2k", "cburst", "2k")
                self._in(ns, "tc", "qdisc", "change", "dev", "eth0", "parent", "1:4", "handle", "40:", "pfifo",
                         "limit", str(queue))
        for a, b in links:
            for x, y in ((a, b), (b, a)):
                if y not in self.degraded[x]:
                    self._filter(x, y, LINK_PREF, 4)
                    self.degraded[x].add(y)
        if self.netem:
            return f"netem delay {delay_ms}±{jitter_ms} ms, loss {loss_pct} %"
        return f"htb {rate_kbit} kbit/s, {queue}-packet queue (no netem in this kernel)"

    def restore_links(self):
        for x, peers in self.degraded.items():
            for y in list(peers):
                self._unfilter(x, y, LINK_PREF)
                peers.discard(y)

    def pids(self):
        """Every process in one of this run's namespaces (all started by this run)."""
        out = []
        for ns in self.created:
            r = run(["ip", "netns", "pids", ns], check=False)
            out += [int(p) for p in r.stdout.split() if p.isdigit()]
        return out

    def teardown(self, log):
        for ns in reversed(self.created):
            r = run(["ip", "netns", "del", ns], check=False)
            if r.returncode != 0:
                log(f"cleanup: ip netns del {ns}: {r.stderr.strip()}")
        self.created = []
