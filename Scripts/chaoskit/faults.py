"""The faults, each bounded in time, and what each one recorded for the checks and the report."""
import os
import shutil
import signal
import subprocess
import time

from .node import SERVICES, proc_start_time

KINDS = ("kill-service", "kill-supervisor", "hang", "partition", "degrade-links", "full-disk")
HEARTBEAT_S = 5.0  # Services/*.toml [timeouts] heartbeat_s: silence after which a ready service is hung
HEARTBEAT_EVERY_S = 1.0  # how often a service heartbeats
READY_BOUND_S = 120.0  # a restarted service or node must be ready within this (a hang guard, not a speed check)


class Faults:
    """Runs one fault at a time on the run's nodes and network; every wait is bounded and ends early on stop."""

    def __init__(self, run):
        self.run = run  # the Run (nodes, net, rng, stop event, log, converged())
        self.records = []  # one dict per fault
        self.hangs = []  # {node, service, stopped_for, killed_after, replaced_ready_after, reason}
        self.orphans = []  # service processes that outlived a SIGKILLed supervisor by 15 s
        self.heals = []  # seconds from a heal to every node on one tip
        self.mounts = []  # tmpfs mount points in use (for cleanup)

    # -- helpers -------------------------------------------------------------------------------------------------

    def wait(self, seconds):
        """Sleeps unless the run is stopping; False when it is."""
        return not self.run.stopping.wait(seconds)

    def until(self, bound, condition, every=0.2):
        """Polls `condition` until it holds (its time in seconds) or `bound` seconds pass (None)."""
        start = time.time()
        while time.time() - start < bound and not self.run.stopping.is_set():
            if condition():
                return time.time() - start
            self.run.stopping.wait(every)
        return None

    def wait_ready(self, node, bound=READY_BOUND_S):
        return self.until(bound, node.ready, every=0.5)

    # -- the faults ----------------------------------------------------------------------------------------------

    def kill_service(self, rec):
        node = self.run.rng.choice(self.run.nodes)
        service = self.run.rng.choice(SERVICES)
        pid = node.service_pid(service)
        rec.update(node=node.name, service=service, pid=pid)
        if not pid or not node.signal_pid(pid, signal.SIGKILL):
            rec["skipped"] = "no running process"
            return
        rec["replaced_ready_after"] = self.until(
            READY_BOUND_S, lambda: (node.service_pid(service) or pid) != pid and node.ready(), every=0.5)

    def kill_supervisor(self, rec):
        node = self.run.rng.choice(self.run.nodes)
        children = {s["name"]: int(s["pid"]) for s in node.services() or [] if s.get("pid")}
        starts = {pid: proc_start_time(pid) for pid in children.values()}
        down = self.run.rng.uniform(2, 10)
        rec.update(node=node.name, children=children, down_s=round(down, 1))
        node.kill_supervisor()
        killed = time.time()
        # As an init system would: a new supervisor after a few seconds, whether or not the old services are gone.
        # They watch their parent (a parent-death signal, and its heartbeat on the bus) and must stop by themselves.
        gone_at = {}

        def all_gone():
            for name, pid in children.items():
                if name not in gone_at and proc_start_time(pid) != starts[pid]:
                    gone_at[name] = round(time.time() - killed, 1)
            return len(gone_at) == len(children)

        self.until(down, lambda: all_gone() and False, every=0.1)  # the whole `down`, noting who stops
        if self.run.stopping.is_set():
            return
        node.start()
        node.restarts_by_us += 1
        restarted = time.time()
        gone = self.until(15, all_gone, every=0.1)
        rec["children_gone_after"] = gone_at
        if gone is None and not self.run.stopping.is_set():
            left = [p for p, s in starts.items() if proc_start_time(p) == s]
            self.orphans.append({"node": node.name, "pids": left, "killed_s_ago": round(time.time() - killed, 1)})
            self.run.log(f"{node.name}: service processes {left} outlived their supervisor by 15 s: SIGKILL")
            for p in left:
                node.signal_pid(p, signal.SIGKILL)
        ready = self.wait_ready(node)
        rec["ready_after"] = None if ready is None else round(time.time() - restarted, 1)

    def hang(self, rec):
        node = self.run.rng.choice(self.run.nodes)
        service = self.run.rng.choice(SERVICES)
        pid = node.service_pid(service)
        hold = self.run.rng.uniform(5, 30)
        rec.update(node=node.name, service=service, pid=pid, hold_s=round(hold, 1))
        if not pid or not node.signal_pid(pid, signal.SIGSTOP):
            rec["skipped"] = "no running process"
            return
        start = node.seen.get(pid)
        stopped = time.time()
        killed = self.until(hold, lambda: proc_start_time(pid) != start, every=0.05)
        if killed is None:
            self.wait(max(0.0, hold - (time.time() - stopped)))
            node.signal_pid(pid, signal.SIGCONT)  # only if it is still that process
        rec["killed_after"] = killed
        ready = self.until(READY_BOUND_S, lambda: (node.service_pid(service) or pid) != pid and node.ready(),
                           every=0.25) if killed is not None else None
        rec["replaced_ready_after"] = None if ready is None else round(time.time() - stopped, 1)
        reason = None
        for s in node.services() or []:
            if s.get("name") == service and s.get("replica", 0) == 0:
                reason = (s.get("last_exit") or {}).get("reason") if isinstance(s.get("last_exit"), dict) \
                    else s.get("last_exit")
        self.hangs.append({"node": node.name, "service": service, "hold_s": hold, "killed_after": killed,
                           "replaced_ready_after": rec["replaced_ready_after"], "reason": reason})

    def partition(self, rec):
        names = list(range(len(self.run.nodes)))
        self.run.rng.shuffle(names)
        half = len(names) // 2
        side_a, side_b = sorted(names[:half]), sorted(names[half:])
        hold = self.run.rng.uniform(10, 60)
        rec.update(sides=[side_a, side_b], hold_s=round(hold, 1))
        self.run.net.partition(side_a, side_b)
        self.wait(hold)
        self.run.net.heal()
        healed = time.time()
        took = self.until(120, self.run.converged, every=0.5)
        rec["converged_after"] = None if took is None else round(time.time() - healed, 1)
        if not self.run.stopping.is_set():
            self.heals.append(rec["converged_after"])

    def degrade_links(self, rec):
        n = len(self.run.nodes)
        pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        links = self.run.rng.sample(pairs, self.run.rng.randint(1, max(1, len(pairs) // 2)))
        delay = self.run.rng.randint(50, 400)
        jitter = self.run.rng.randint(0, delay // 2)
        loss = self.run.rng.randint(1, 20)
        rate = self.run.rng.choice((16, 32, 64, 128))
        queue = self.run.rng.randint(4, 32)
        hold = self.run.rng.uniform(20, 60)
        rec.update(links=links, hold_s=round(hold, 1))
        rec["how"] = self.run.net.degrade(links, delay, jitter, loss, rate, queue)
        self.wait(hold)
        self.run.net.restore_links()

    def full_disk(self, rec):
        """The node's data directory moves onto a small tmpfs with 64 KiB left, for 30-90 s, then back."""
        node = self.run.rng.choice(self.run.nodes)
        hold = self.run.rng.uniform(30, 90)
        rec.update(node=node.name, hold_s=round(hold, 1))
        node.stop(timeout=30)
        disk = node.data + ".disk"
        os.rename(node.data, disk)
        os.makedirs(node.data)
        used = int(subprocess.run(["du", "-sk", disk], capture_output=True, text=True).stdout.split()[0])
        size_kib = used + 2048
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", node.data],
                       check=True, timeout=30)
        self.mounts.append(node.data)
        try:
            subprocess.run(["cp", "-a", disk + "/.", node.data], check=True, timeout=120)
            st = os.statvfs(node.data)
            free = st.f_bavail * st.f_frsize
            filler = max(0, free - 64 * 1024)
            with open(os.path.join(node.data, "filler"), "wb") as f:
                f.truncate(0)
                chunk = b"\0" * (1 << 20)
                while filler > 0:
                    filler -= f.write(chunk[:min(filler, len(chunk))])
            rec["free_kib"] = os.statvfs(node.data).f_bavail * os.statvfs(node.data).f_frsize // 1024
            node.start()
            node.restarts_by_us += 1
            self.wait(hold)
            rec["ready_while_full"] = node.ready()
            node.stop(timeout=30)
            os.remove(os.path.join(node.data, "filler"))
            shutil.rmtree(disk)
            os.makedirs(disk)
            subprocess.run(["cp", "-a", node.data + "/.", disk], check=True, timeout=120)
        finally:
            if node.running():
                node.stop(timeout=30)
            self.unmount(node.data)
            if os.path.isdir(disk):
                os.rmdir(node.data)
                os.rename(disk, node.data)
        node.start()
        node.restarts_by_us += 1
        rec["ready_after"] = self.wait_ready(node)

    def unmount(self, path):
        r = subprocess.run(["umount", path], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            subprocess.run(["umount", "-l", path], capture_output=True, timeout=30)
        if path in self.mounts:
            self.mounts.remove(path)

    def inject(self, kind):
        rec = {"kind": kind, "at": round(time.time() - self.run.started, 1)}
        self.records.append(rec)
        self.run.log(f"fault {len(self.records)}: {kind} …")
        try:
            getattr(self, kind.replace("-", "_"))(rec)
        except Exception as error:  # noqa: BLE001 - a fault that could not be applied is reported, not fatal
            rec["error"] = f"{type(error).__name__}: {error}"
        rec["ended"] = round(time.time() - self.run.started, 1)
        self.run.log(f"fault {len(self.records)}: " + ", ".join(f"{k}={v}" for k, v in rec.items()))
        return rec
