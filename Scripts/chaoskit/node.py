"""One chaos node: a bloom-supervisor (and its services) on its own data directory, asked through `bloom --json`."""
import json
import os
import signal
import subprocess
import time

SERVICES = ("bloom-net", "bloom-sync", "bloom-gossip")


def proc_start_time(pid):
    """The start time of `pid` (clock ticks since boot), or None when it is gone or a zombie: a pid and its start
    time name one process, so a signal never reaches a process that reused the pid."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Node:
    def __init__(self, index, root, binaries, net, mine, interval, log_level, log):
        self.index = index
        self.name = f"n{index}"
        self.root = root
        self.data = os.path.join(root, self.name)
        self.binaries = binaries
        self.net = net
        self.mine = mine
        self.interval = interval
        self.log_level = log_level
        self.logfile = os.path.join(root, f"{self.name}.log")
        self.connect = []
        self.process = None
        self.seen = {}  # pid -> start time, every service process the supervisor reported
        self.log = log
        self.restarts_by_us = 0

    @property
    def address(self):
        return self.net.address(self.index)

    @property
    def endpoint(self):
        return f"{self.address}:{self.net.port(self.index)}"

    def start(self):
        argv = [os.path.join(self.binaries, "bloom-supervisor"), "--data-dir", self.data, "--bind", self.address,
                "--port", str(self.net.port(self.index)), "--log-level", self.log_level, "--handshake-timeout", "5"]
        for peer in self.connect:
            argv += ["--connect", peer]
        if self.mine:
            argv += ["--mine", "--mine-profile", "quick", "--min-block-interval", str(self.interval)]
        os.makedirs(self.data, exist_ok=True)
        with open(self.logfile, "a") as out:
            out.write(f"\n=== chaos: supervisor start at {time.strftime('%H:%M:%S')} ===\n")
            out.flush()
            self.process = subprocess.Popen(self.net.wrap(self.index, argv), stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def running(self):
        return self.process is not None and self.process.poll() is None

    def supervisor_pid(self):
        return self.process.pid if self.running() else None

    def ask(self, *command, timeout=5):
        """`bloom <command> --json` on this node: the parsed answer, or None."""
        try:
            r = subprocess.run([os.path.join(self.binaries, "bloom"), *command, "--data-dir", self.data, "--json",
                                "--timeout", str(timeout)], capture_output=True, text=True, timeout=timeout + 10)
        except subprocess.TimeoutExpired:
            return None
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def submit(self, hex_tx):
        """(accepted, detail) for `bloom tx submit`."""
        try:
            r = subprocess.run([os.path.join(self.binaries, "bloom"), "tx", "submit", hex_tx, "--data-dir", self.data,
                                "--json", "--timeout", "5"], capture_output=True, text=True, timeout=15)
        except subprocess.TimeoutExpired:
            return False, "timeout"
        if r.returncode == 0:
            try:
                return bool(json.loads(r.stdout).get("accepted")), r.stdout.strip()
            except ValueError:
                return False, "unreadable answer"
        return False, (r.stderr.strip() or f"exit {r.returncode}")

    def status(self):
        st = self.ask("status")
        if st and isinstance(st.get("services"), list):
            for s in st["services"]:
                pid = s.get("pid")
                if isinstance(pid, (int, float)) and pid > 0:
                    pid = int(pid)
                    if pid not in self.seen:
                        start = proc_start_time(pid)
                        if start is not None:
                            self.seen[pid] = start
        return st

    def services(self):
        st = self.status()
        return st["services"] if st else None

    def ready(self):
        services = self.services()
        if not services:
            return False
        names = {s.get("name") for s in services}
        return names.issuperset(SERVICES) and all(s.get("state") == "ready" for s in services)

    def service_pid(self, name):
        for s in self.services() or []:
            if s.get("name") == name and s.get("replica", 0) == 0 and s.get("pid"):
                return int(s["pid"])
        return None

    def chain(self):
        c = self.ask("chain")
        if c and isinstance(c.get("height"), (int, float)) and isinstance(c.get("tip"), str):
            return int(c["height"]), c["tip"]
        return None

    def block(self, ident):
        return self.ask("block", str(ident), timeout=8)

    def rss(self):
        """{name: [pid, KiB]} of the supervisor and each service, as running now."""
        out = {}
        pid = self.supervisor_pid()
        if pid:
            out["bloom-supervisor"] = [pid, rss_kib(pid)]
        for s in self.services() or []:
            if s.get("pid"):
                out[s["name"]] = [int(s["pid"]), rss_kib(int(s["pid"]))]
        return out

    def signal_pid(self, pid, sig):
        """Signals `pid` only if it is still the process first seen under that pid."""
        start = self.seen.get(pid) or (self.process.pid == pid and proc_start_time(pid))
        if not start or proc_start_time(pid) != start:
            return False
        try:
            os.kill(pid, sig)
            return True
        except ProcessLookupError:
            return False

    def kill_supervisor(self):
        """SIGKILL to the supervisor alone (its children are expected to notice and stop)."""
        if self.running():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout=30):
        """SIGTERM to the supervisor (it stops its services in order), SIGKILL after `timeout`; then SIGKILL to any
        service process it left."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.log(f"{self.name}: supervisor did not stop within {timeout} s of SIGTERM: SIGKILL")
                self.process.kill()
                self.process.wait()
        return self.reap_leftovers()

    def leftovers(self):
        return [pid for pid, start in self.seen.items() if proc_start_time(pid) == start]

    def reap_leftovers(self):
        left = self.leftovers()
        for pid in left:
            self.signal_pid(pid, signal.SIGKILL)
        return left
