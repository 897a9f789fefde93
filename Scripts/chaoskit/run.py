"""The chaos soak: set-up, load, faults, checks, clean-up. See Scripts/chaos --help."""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from .chainview import ChainTracker
from .checks import Checks
from .faults import KINDS, Faults
from .load import Load
from .network import LoopbackNet, NamespaceNet, namespaces_available
from .node import Node, proc_start_time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARIES = ("bloom-supervisor", "bloom", "bloom-net", "bloom-sync", "bloom-gossip")


def free_port(address):
    import socket

    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class Run:
    def __init__(self, opts, binaries):
        self.opts = opts
        self.seed = opts.seed if opts.seed is not None else random.SystemRandom().randrange(1, 2**31)
        self.rng = random.Random(self.seed)
        self.binaries = binaries
        self.stopping = threading.Event()
        self.feed_stop = threading.Event()
        self.watch_stop = threading.Event()
        self.lock = threading.RLock()
        self.started = time.time()
        self.root = tempfile.mkdtemp(prefix="bch-", dir="/tmp")  # short: ipc paths must fit 107 bytes
        self.logpath = os.path.join(self.root, "chaos.log")
        self.tracker = ChainTracker(self.log)
        self.load = Load(random.Random(self.seed ^ 0x5EED), self.log)
        self.nodes = []
        self.net = None
        self.faults = Faults(self)
        self.threads = []
        self.fault_begin = None
        self.rss_end = {}
        self.rss_end_at = None
        # Per process (node, service, pid): when first seen, and its RSS one minute later. Faults replace whole
        # nodes (kill-supervisor, full-disk), so growth is measured per process, from its own first minute.
        self.rss_seen = {}
        self.rss_base = {}
        self.rss_next = 0.0
        self.last_fault_end = None
        self.final_convergence = None
        self.net_note = ""

    def log(self, message):
        line = f"[{time.time() - self.started:7.1f}s] {message}"
        print(line, flush=True)
        with open(self.logpath, "a") as f:
            f.write(line + "\n")

    # -- set-up --------------------------------------------------------------------------------------------------

    def setup(self):
        n = self.opts.nodes
        ok, why = (False, "--loopback") if self.opts.loopback else namespaces_available()
        if ok:
            tag = f"bch{os.getpid() % 100000}"
            self.net = NamespaceNet(n, tag, subnet=os.getpid() % 250 + 1)
            self.net_note = f"network namespaces {tag}-n0…n{n - 1} on a bridge in {tag}-hub"
        else:
            ports = [free_port(f"127.0.0.{10 + i}") for i in range(n)]
            self.net = LoopbackNet(n, ports)
            self.net_note = f"LOOPBACK fallback ({why}): partitions and degraded links are skipped"
        self.log(f"chaos: seed {self.seed} (replay: --seed {self.seed}), {n} nodes, {self.opts.minutes} min of "
                 f"faults, {self.net_note}; data and logs in {self.root}")
        self.net.setup()
        miners = max(1, n // 2)
        self.nodes = [Node(i, self.root, self.binaries, self.net, i < miners, self.opts.min_block_interval,
                           self.opts.log_level, self.log) for i in range(n)]
        # A ring plus one chord per two nodes: every node has two or more peers, so one dead link does not isolate it.
        edges = {(i, (i + 1) % n) for i in range(n)} if n > 1 else set()
        for i in range(0, n - 2, 2):
            edges.add((i, (i + 2) % n))
        for i, j in sorted(edges):
            if i != j:
                self.nodes[i].connect.append(self.nodes[j].endpoint)
        for node in self.nodes:
            node.start()
        for node in self.nodes:
            if self.faults.wait_ready(node) is None:
                raise RuntimeError(f"{node.name} not ready within 120 s (log {node.logfile})")
        self.log("every node ready; miners: " + ", ".join(x.name for x in self.nodes if x.mine))

    # -- background: watching the chains, and the load ----------------------------------------------------------

    def snapshot(self):
        """Every node's (height, tip) or None, asked in parallel."""
        out = [None] * len(self.nodes)

        def one(k):
            out[k] = self.nodes[k].chain()

        threads = [threading.Thread(target=one, args=(k,)) for k in range(len(self.nodes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out

    def converged(self):
        snap = self.snapshot()
        return all(s is not None for s in snap) and len({s[1] for s in snap}) == 1

    def watch(self):
        while not self.stopping.is_set() and not self.watch_stop.is_set():
            # The snapshot is taken under the lock: the final checks also observe, and a snapshot observed after
            # a later one would show a node's tip going back (a false rollback).
            with self.lock:
                snap = self.snapshot()
                for node, s in zip(self.nodes, snap):
                    if s is not None:
                        self.tracker.observe(node, s[0], s[1], time.time() - self.started)
                self.load.settle(self.tracker, self.nodes)
            for node in self.nodes:
                node.status()  # remembers every service pid, for clean-up by pid
            if self.fault_begin and time.time() >= self.rss_next:
                self.rss_next = time.time() + 10
                self.sample_rss()
            self.watch_stop.wait(1.0)

    def feed(self):
        while not self.feed_stop.wait(self.opts.tx_interval) and not self.stopping.is_set():
            node = self.load.rng.choice(self.nodes)
            if node.running():
                self.load.submit(node, time.time() - self.started)

    def background(self, target):
        t = threading.Thread(target=target, daemon=True)
        t.start()
        self.threads.append(t)
        return t

    # -- the run -------------------------------------------------------------------------------------------------

    def rss(self):
        return {node.name: node.rss() for node in self.nodes}

    def sample_rss(self):
        now = time.time()
        for name, procs in self.rss().items():
            for service, (pid, kib) in procs.items():
                key = (name, service, pid)
                first = self.rss_seen.setdefault(key, now)
                if kib and key not in self.rss_base and now - first >= 60:
                    self.rss_base[key] = (now, kib)

    def soak(self):
        watcher = self.background(self.watch)
        warm = self.faults.until(300, lambda: self.load.settled_height >= 1, every=1.0)
        if self.stopping.is_set():
            return
        if warm is None:
            raise RuntimeError("no settled block within 300 s of the start: is anything mining?")
        self.log(f"settled height {self.load.settled_height}: the transaction load starts")
        feeder = self.background(self.feed)
        kinds = [k for k in KINDS if self.net.supports_links or k not in ("partition", "degrade-links")]
        if os.geteuid() != 0:
            kinds.remove("full-disk")  # mounting a tmpfs needs root
        if kinds != list(KINDS):
            self.log("chaos: NOT injected here: " + ", ".join(k for k in KINDS if k not in kinds))
        if self.opts.faults:
            kinds = [k for k in kinds if k in self.opts.faults]
        self.fault_begin = begin = time.time()
        end = begin + self.opts.minutes * 60
        bag = []
        while time.time() < end and not self.stopping.is_set():
            gap = self.rng.uniform(5, 20)
            if time.time() + gap >= end:  # no fault would start: the run's faults are over
                break
            if not self.faults.wait(gap):
                break
            if not bag:  # every kind once per round, in a random order: a long run covers each kind evenly
                bag = list(kinds)
                self.rng.shuffle(bag)
            self.faults.inject(bag.pop())
            self.last_fault_end = time.time()
        if self.stopping.is_set():
            return
        self.last_fault_end = self.last_fault_end or time.time()
        self.log("faults over: waiting for every node to be ready and on one tip (bound: 60 s after the last fault)")
        took = self.faults.until(max(1.0, self.last_fault_end + 60 - time.time()),
                                 lambda: all(n.ready() for n in self.nodes) and self.converged(), every=0.5)
        self.final_convergence = None if took is None else round(time.time() - self.last_fault_end, 1)
        # The load stops before the checks read the chains and mempools; the watcher catches up meanwhile.
        self.feed_stop.set()
        feeder.join(timeout=30)
        self.stopping.wait(3)
        # The checks read the tracker next: the watcher stops first, so nothing changes while they read it.
        self.watch_stop.set()
        watcher.join(timeout=30)
        self.rss_end = self.rss()
        self.rss_end_at = time.time()


def parse(argv):
    import argparse

    ap = argparse.ArgumentParser(
        prog="Scripts/chaos",
        description="A chaos soak of a BloomCoin network: N nodes (half of them mining) in network namespaces, a "
                    "steady load of valid transactions, then random faults from a printed seed, then the checks.")
    ap.add_argument("--minutes", type=float, default=10, help="minutes of faults (default 10)")
    ap.add_argument("--seed", type=int, help="replay the faults of a previous run")
    ap.add_argument("-n", "--nodes", type=int, default=4, help="number of nodes (default 4; 2 to 16)")
    ap.add_argument("--faults", help="only these kinds, comma-separated: " + ",".join(KINDS))
    ap.add_argument("--loopback", action="store_true", help="127.0.0.x addresses even where namespaces work")
    ap.add_argument("--min-block-interval", type=float, default=3, help="miners' --min-block-interval (default 3)")
    ap.add_argument("--tx-interval", type=float, default=2, help="seconds between transactions (default 2)")
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--bin", help="directory of the binaries (default: the release build, built when missing)")
    ap.add_argument("--keep", action="store_true", help="keep data and logs (kept anyway when a check fails)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures and the checks as JSON to FILE")
    opts = ap.parse_args(argv)
    if not 2 <= opts.nodes <= 16:
        ap.error("--nodes must be from 2 to 16")
    if opts.minutes <= 0:
        ap.error("--minutes must be positive")
    if opts.faults:
        opts.faults = [k.strip() for k in opts.faults.split(",") if k.strip()]
        bad = [k for k in opts.faults if k not in KINDS]
        if bad:
            ap.error(f"unknown fault kind(s) {bad}; known: {', '.join(KINDS)}")
    return opts


def release_binaries():
    def show():
        return subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()

    path = show()
    if not all(os.access(os.path.join(path, b), os.X_OK) for b in BINARIES):
        print("chaos: building the release binaries (swift build -c release)…", flush=True)
        subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT, check=True)
    return path


def cleanup(run):
    run.stopping.set()
    for t in run.threads:
        t.join(timeout=30)
    threads = [threading.Thread(target=n.stop, kwargs={"timeout": 20}) for n in run.nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if run.net is not None:
        for pid in run.net.pids():  # anything left in this run's namespaces was started by this run
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for node in run.nodes:
        left = node.reap_leftovers()
        if left:
            run.log(f"cleanup: {node.name}: SIGKILL to leftover service processes {left}")
    for path in list(run.faults.mounts):
        run.faults.unmount(path)
        if os.path.isdir(path + ".disk"):
            os.rmdir(path)
            os.rename(path + ".disk", path)
    if run.net is not None:
        run.net.teardown(run.log)


def main(argv):
    opts = parse(argv)
    binaries = opts.bin or release_binaries()
    missing = [b for b in BINARIES if not os.access(os.path.join(binaries, b), os.X_OK)]
    if missing:
        sys.exit(f"chaos: no {', '.join(missing)} in {binaries}")
    run = Run(opts, binaries)

    def on_signal(signum, frame):
        if not run.stopping.is_set():
            run.log(f"chaos: signal {signum}: stopping, cleaning up")
        run.stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    code = 1
    try:
        run.setup()
        run.soak()
        if run.stopping.is_set() and run.final_convergence is None and not run.rss_end:
            code = 130
        else:
            checks = Checks(run)
            code = 0 if checks.evaluate() else 1
            checks.report(opts.json)
    except Exception as error:  # noqa: BLE001 - reported, then cleaned up like any other end
        run.log(f"chaos: FAILED: {type(error).__name__}: {error}")
        code = 1
    finally:
        cleanup(run)
        if opts.keep or code != 0:
            run.log(f"chaos: data and logs kept in {run.root}")
        else:
            shutil.rmtree(run.root, ignore_errors=True)
    return code
