"""What must hold at the end of a soak (issue 16), as a table, and the run's figures."""
import json
import threading
import time

from .chainview import block_transactions
from .faults import HEARTBEAT_EVERY_S, HEARTBEAT_S, KINDS

RSS_GROWTH = 1.20  # a service's RSS at the end may be at most 20 % above its value after the first minute
RSS_MIN_WATCH_S = 300  # a process is compared only if watched this long after its first minute
CONVERGE_S = 60.0  # every node on one tip within 60 s of the last fault
# A SIGSTOPped service stops heartbeating at once; the supervisor kills it once heartbeat_s passed since its last
# heartbeat, which was at most one heartbeat interval before the SIGSTOP; 0.5 s for the supervisor's check and ours.
HANG_DETECT_S = HEARTBEAT_S + HEARTBEAT_EVERY_S + 0.5


class Checks:
    def __init__(self, run):
        self.run = run
        self.rows = []  # (name, ok or None for not exercised, detail)
        self.figures = {}

    def row(self, name, ok, detail):
        self.rows.append((name, ok, detail))

    def parallel(self, fn):
        out = {}

        def one(node):
            out[node.name] = fn(node)

        threads = [threading.Thread(target=one, args=(n,)) for n in self.run.nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out

    def evaluate(self):
        run = self.run
        tracker = run.tracker
        # A last look at every chain, so the final chain is the one the nodes report now.
        # Taken under the lock, like the watcher's: observations must come in the order of their snapshots.
        with run.lock:
            snap = run.snapshot()
            for node, s in zip(run.nodes, snap):
                if s is not None:
                    tracker.observe(node, s[0], s[1], time.time() - run.started)

        # 1. One tip everywhere within 60 s of the last fault.
        tips = {s[1] for s in snap if s}
        fc = run.final_convergence
        self.row("same tip on every node ≤ 60 s after the last fault",
                 fc is not None and fc <= CONVERGE_S,
                 f"{fc} s after the last fault" if fc is not None else
                 f"not within {CONVERGE_S:.0f} s; now {len(tips)} tip(s) " + str([s and s[0] for s in snap]))

        # 2. No accepted block lost unless a (logged) reorg took it off a main chain; no rollback.
        best = max((s for s in snap if s), default=None)
        final_node = next(n for n, s in zip(run.nodes, snap) if s == best) if best else None
        final_chain = dict(tracker.chains.get(final_node.name, {})) if final_node else {}
        on_final = set(final_chain.values())
        missing = [h for h in tracker.accepted if h not in on_final and h not in tracker.removed]
        reorged = [h for h in tracker.accepted if h not in on_final and h in tracker.removed]
        self.row("no accepted block missing from the final chain (except reorged)",
                 final_node is not None and not missing and not tracker.rollbacks,
                 f"{len(tracker.accepted)} blocks seen on a main chain, {len(reorged)} reorged off "
                 f"({len(tracker.reorgs)} reorgs logged, deepest {max((len(r[5]) for r in tracker.reorgs), default=0)}),"
                 f" {len(missing)} missing, {len(tracker.rollbacks)} rollbacks"
                 + (f": {[m[:16] for m in missing[:5]]}" if missing else ""))

        # 3. SQLite's integrity_check on every store.
        integrity = self.parallel(lambda n: n.ask("integrity", timeout=120))
        bad = {k: v for k, v in integrity.items() if not (v and v.get("ok") is True)}
        self.row("integrity_check ok on every store", not bad,
                 "ok on " + ", ".join(sorted(integrity)) if not bad else json.dumps(bad)[:300])

        # 4. Every service ready.
        statuses = self.parallel(lambda n: n.services())
        not_ready = {k: [f"{s.get('name')}:{s.get('state')}" for s in (v or []) if s.get("state") != "ready"] or
                     ["no answer"] for k, v in statuses.items()
                     if not v or any(s.get("state") != "ready" for s in v)}
        self.row("every service ready", not not_ready,
                 f"{sum(len(v or []) for v in statuses.values())} services ready" if not not_ready else str(not_ready))

        # 5. A hung service is detected and replaced within the hang timeout.
        hangs = run.faults.hangs
        tested = [h for h in hangs if h["hold_s"] >= HEARTBEAT_S + 2]
        late = [h for h in tested if h["killed_after"] is None or h["killed_after"] > HANG_DETECT_S
                or h["replaced_ready_after"] is None]
        detect = [round(h["killed_after"], 1) for h in tested if h["killed_after"] is not None]
        self.row(f"hung service killed ≤ {HANG_DETECT_S:.1f} s after SIGSTOP and replaced",
                 (not late) if tested else None,
                 (f"{len(tested)} hangs ≥ {HEARTBEAT_S + 2:.0f} s: killed after {detect} s; replaced and ready "
                  f"{[h['replaced_ready_after'] for h in tested]} s after SIGSTOP" if tested else
                  "not exercised (no SIGSTOP long enough in this run)")
                 + (f"; LATE: {late}" if late else ""))

        # 6. Memory: no process grew by more than 20 % from its own first minute to the end. Faults replace whole
        # nodes (kill-supervisor, full-disk), so a process is compared with itself (same pid) one minute after it
        # was first seen, and only one watched for at least RSS_MIN_WATCH_S after that.
        grown = []
        rss_rows = []
        young = 0
        for name, end in sorted(run.rss_end.items()):
            for service, (pid, last) in sorted(end.items()):
                base = run.rss_base.get((name, service, pid))
                if not base or not last or run.rss_end_at - base[0] < RSS_MIN_WATCH_S:
                    young += 1
                    continue
                at, kib = base
                rss_rows.append((name, service, kib, last, round((run.rss_end_at - at) / 60, 1)))
                if last > kib * RSS_GROWTH:
                    grown.append(f"{name}/{service} {kib}→{last} KiB")
        total_first = sum(r[2] for r in rss_rows)
        total_end = sum(r[3] for r in rss_rows)
        # A run shorter than a minute plus the watch (the CI's short form) has nothing to compare: n/a there.
        long_enough = (run.fault_begin is not None and run.rss_end_at is not None
                       and run.rss_end_at - run.fault_begin >= 60 + RSS_MIN_WATCH_S)
        self.row("RSS at the end ≤ 120 % of its first minute (same process, watched ≥ 5 min)",
                 (bool(rss_rows) and not grown) if long_enough or rss_rows else None,
                 f"total {total_first // 1024}→{total_end // 1024} MiB over {len(rss_rows)} processes, longest "
                 f"watched {max((r[4] for r in rss_rows), default=0)} min; {young} started too recently to compare"
                 + (f"; grew: {grown}" if grown else ""))

        # 7. Every accepted transaction is in the final chain or still in a mempool.
        mined = set()
        for h in final_chain.values():
            entry = tracker.blocks.get(h)
            if entry and entry.get("hex"):
                mined.update(tx.txid for tx in block_transactions(entry["hex"]))
        pools = self.parallel(lambda n: n.ask("mempool", timeout=10))
        pooled = set()
        for v in pools.values():
            pooled.update((v or {}).get("txids", []))
        accepted = run.load.accepted
        lost = [t for t in accepted if t not in mined and t not in pooled]
        in_pool = sum(1 for t in accepted if t not in mined and t in pooled)
        unanswered = [k for k, v in pools.items() if v is None]
        self.row("every accepted transaction mined or in a mempool",
                 bool(accepted) and not lost and not unanswered,
                 f"{run.load.submitted} submitted, {len(accepted)} accepted: {len(accepted) - in_pool - len(lost)} "
                 f"mined, {in_pool} in a mempool, {len(lost)} lost"
                 + (f" {lost[:4]}" if lost else "") + (f"; no mempool answer from {unanswered}" if unanswered else "")
                 + (f"; refused {run.load.refused}" if run.load.refused else ""))

        # Extra: the services of a SIGKILLed supervisor stop by themselves.
        sup_kills = [r for r in run.faults.records if r["kind"] == "kill-supervisor" and "error" not in r]
        self.row("services stop when their supervisor is SIGKILLed",
                 (not run.faults.orphans) if sup_kills else None,
                 f"{len(sup_kills)} supervisor kills; slowest service gone after "
                 f"{[max((r.get('children_gone_after') or {}).values(), default=None) for r in sup_kills]} s"
                 + (f"; ORPHANS {run.faults.orphans}" if run.faults.orphans else ""))
        # Extra: no node banned another (they are all honest: a ban splits the network for the ban time).
        addresses = {n.address: n.name for n in run.nodes}
        bans = []
        for node in run.nodes:
            try:
                with open(node.logfile, errors="replace") as log:
                    for line in log:
                        if " banned " in line:
                            for address, name in addresses.items():
                                if f"bloom.peer.address={address} " in line or line.rstrip().endswith(address):
                                    bans.append(f"{node.name} banned {name}: {line.split('bloom.reason=')[-1].strip()}")
            except OSError as error:
                bans.append(f"{node.name}: log unreadable: {error}")
        self.row("no node banned another (all are honest)", not bans,
                 "none" if not bans else f"{len(bans)}: {bans[:3]}")
        errors = [r for r in run.faults.records if "error" in r]
        self.row("every fault applied and undone", not errors, f"{len(run.faults.records)} faults"
                 + (f"; errors: {[(r['kind'], r['error']) for r in errors]}" if errors else ""))

        self.figures = self.collect(best, rss_rows, statuses)
        return all(ok is not False for _, ok, _ in self.rows)

    def collect(self, best, rss_rows, statuses):
        run = self.run
        by_kind = {k: sum(1 for r in run.faults.records if r["kind"] == k) for k in KINDS}
        restarts = {k: sum(int(s.get("restarts") or 0) for s in (v or [])) for k, v in statuses.items()}
        heals = [h for h in run.faults.heals if h is not None]
        return {
            "seed": run.seed,
            "nodes": len(run.nodes),
            "network": run.net_note,
            "minutes": run.opts.minutes,
            "wall_s": round(time.time() - run.started, 1),
            "faults": by_kind,
            "partitions_not_converged_in_120_s": sum(1 for h in run.faults.heals if h is None),
            "longest_convergence_after_heal_s": max(heals) if heals else None,
            "convergence_after_heals_s": run.faults.heals,
            "final_convergence_s": run.final_convergence,
            "final_height": best[0] if best else None,
            "reorgs": len(run.tracker.reorgs),
            "deepest_reorg": max((len(r[5]) for r in run.tracker.reorgs), default=0),
            "service_restarts_by_supervisors_since_last_supervisor_start": restarts,
            "supervisor_starts_by_the_run": {n.name: n.restarts_by_us for n in run.nodes},
            "hangs": run.faults.hangs,
            "rss_kib": [{"node": a, "process": b, "first_minute": c, "end": d, "watched_min": e}
                        for a, b, c, d, e in rss_rows],
            "transactions": {"submitted": run.load.submitted, "accepted": len(run.load.accepted),
                             "refused": run.load.refused},
            "checks": [{"check": n, "ok": ok, "detail": d} for n, ok, d in self.rows],
            "fault_log": run.faults.records,
        }

    def report(self, json_path):
        f = self.figures
        width = max(len(r[0]) for r in self.rows)
        lines = ["", f"chaos: seed {f['seed']}, {f['nodes']} nodes, {f['minutes']} min of faults, {f['network']}",
                 "faults: " + ", ".join(f"{k} {v}" for k, v in f["faults"].items()),
                 f"longest convergence after a heal: {f['longest_convergence_after_heal_s']} s "
                 f"(all: {f['convergence_after_heals_s']}); final height {f['final_height']}; "
                 f"{f['reorgs']} reorgs (deepest {f['deepest_reorg']})",
                 f"supervisor (re)starts by the run: {f['supervisor_starts_by_the_run']}; service restarts by the "
                 f"supervisors: {f['service_restarts_by_supervisors_since_last_supervisor_start']}",
                 "", f"| {'check'.ljust(width)} | result | detail |", f"|{'-' * (width + 2)}|--------|--------|"]
        for name, ok, detail in self.rows:
            result = "ok" if ok else ("n/a" if ok is None else "FAIL")
            lines.append(f"| {name.ljust(width)} | {result:<6} | {detail} |")
        lines += ["", "| node | process | RSS after its 1st min (KiB) | RSS at end (KiB) | ratio | watched (min) |",
                  "|---|---|---|---|---|---|"]
        for r in f["rss_kib"]:
            lines.append(f"| {r['node']} | {r['process']} | {r['first_minute']} | {r['end']} | "
                         f"{r['end'] / r['first_minute']:.2f} | {r['watched_min']} |")
        self.run.log("\n".join(lines))
        if json_path:
            with open(json_path, "w") as out:
                json.dump(f, out, indent=1, default=str)
