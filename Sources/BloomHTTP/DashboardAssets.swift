/// The dashboard: one page and its script, served by bloom-supervisor itself (nothing fetched from elsewhere, no
/// build step). The chart is drawn on a canvas by the page's own code. Data: `/api/…` once at load, then the
/// `/events` stream (one batch a second); RSS per service from `/metrics` every 5 s.
enum DashboardAssets {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>BloomCoin node</title>
        <link rel="icon" href="data:,">
        <style>
        :root { --bg:#0f1419; --panel:#182029; --text:#d8dee6; --dim:#8a96a3; --local:#4fc3f7; --net:#ffb74d; --zc:#ef5350; }
        * { box-sizing: border-box; }
        body { margin:0; background:var(--bg); color:var(--text); font:14px/1.4 system-ui, sans-serif; }
        header { padding:12px 20px; display:flex; gap:24px; align-items:baseline; border-bottom:1px solid #26313c; }
        header h1 { font-size:18px; margin:0; }
        #conn { color:var(--dim); }
        main { display:grid; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); gap:16px; padding:16px 20px; }
        section { background:var(--panel); border-radius:8px; padding:12px 16px; }
        section.wide { grid-column:1 / -1; }
        h2 { font-size:15px; margin:0 0 8px; color:var(--dim); font-weight:600; }
        table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
        th, td { text-align:left; padding:3px 6px; border-bottom:1px solid #26313c; white-space:nowrap; }
        th { color:var(--dim); font-weight:500; }
        .ready { color:#81c784; } .starting, .stopping, .backoff { color:#ffd54f; } .failed, .stopped { color:#e57373; }
        .kv { display:grid; grid-template-columns:max-content 1fr; gap:2px 16px; }
        .kv span:nth-child(odd) { color:var(--dim); }
        .bar { height:10px; background:#26313c; border-radius:5px; overflow:hidden; margin:8px 0 4px; }
        .bar div { height:100%; width:0; background:var(--local); transition:width .5s; }
        canvas { width:100%; height:320px; display:block; }
        .legend span { margin-right:14px; } .sw { display:inline-block; width:18px; height:3px; vertical-align:middle; margin-right:4px; }
        .mono { font-family:ui-monospace, monospace; font-size:12px; }
        .empty { color:var(--dim); font-style:italic; }
        </style>
        </head>
        <body>
        <header><h1>BloomCoin node</h1><span id="conn">connecting…</span></header>
        <main>
        <section class="wide">
          <h2>Coherence</h2>
          <canvas id="chart" width="1200" height="320"></canvas>
          <div class="legend"><span><i class="sw" style="background:var(--local)"></i>local r</span><span><i class="sw" style="background:var(--net)"></i>network r</span><span><i class="sw" style="background:#9575cd"></i>peers' r</span><span><i class="sw" style="background:var(--zc)"></i>z<sub>c</sub> = √3/2</span><span id="rnow"></span></div>
        </section>
        <section>
          <h2>Chain</h2>
          <div class="kv" id="chain"><span class="empty">waiting for bloom-sync…</span></div>
          <div class="bar"><div id="progress"></div></div>
          <div id="eta" class="mono"></div>
        </section>
        <section>
          <h2>Node</h2>
          <div class="kv"><span>mempool</span><span id="mempool">–</span><span>blocks sealed here</span><span id="sealed">–</span><span>mining</span><span id="mining">–</span></div>
        </section>
        <section class="wide">
          <h2>Services</h2>
          <table><thead><tr><th>service</th><th>replica</th><th>state</th><th>pid</th><th>uptime</th><th>restarts</th><th>RSS</th></tr></thead><tbody id="services"></tbody></table>
        </section>
        <section class="wide">
          <h2>Peers</h2>
          <table><thead><tr><th>address</th><th>direction</th><th>height</th><th>last r</th><th>score</th><th>misbehaviour</th></tr></thead><tbody id="peers"><tr><td colspan="6" class="empty">no peer connected</td></tr></tbody></table>
        </section>
        </main>
        <script src="/dashboard.js"></script>
        </body>
        </html>
        """#

    static let script = #"""
        "use strict";
        // The dashboard's state: the latest answer of each question, and the coherence samples for the chart.
        const state = { samples: [], peers: [], coherence: null, rss: {}, sealed: null };
        const ZC = Math.sqrt(3) / 2;
        const WINDOW_S = 600;
        window.bloomChartPoints = 0;

        const $ = (id) => document.getElementById(id);
        function text(value) { return value === null || value === undefined ? "–" : String(value); }
        function esc(value) { return text(value).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }
        function duration(s) {
          if (s === null || s === undefined) return "–";
          s = Math.round(s);
          const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
          return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${s % 60}s` : `${s}s`;
        }
        function bytes(n) {
          if (n === undefined) return "–";
          const units = ["B", "kB", "MB", "GB"]; let u = 0;
          while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
          return `${n.toFixed(u ? 1 : 0)} ${units[u]}`;
        }

        function renderServices(status) {
          const rows = (status.services || []).map((s) => `<tr><td>${esc(s.name)}</td><td>${esc(s.replica)}</td>` +
            `<td class="${esc(s.state)}">${esc(s.state)}</td><td>${esc(s.pid)}</td><td>${duration(s.uptime_s)}</td>` +
            `<td>${esc(s.restarts)}</td><td>${bytes(state.rss[s.name + "/" + s.replica])}</td></tr>`);
          $("services").innerHTML = rows.join("") || `<tr><td colspan="7" class="empty">no service</td></tr>`;
        }

        function renderChain(chain) {
          if (chain.error) { $("chain").innerHTML = `<span class="empty">${esc(chain.error)}</span>`; return; }
          const tip = chain.tip ? chain.tip.slice(0, 16) + "…" : "–";
          $("chain").innerHTML = `<span>height</span><span id="height">${esc(chain.height)}</span>` +
            `<span>tip</span><span class="mono">${esc(tip)}</span>` +
            `<span>syncing</span><span>${chain.syncing ? "yes" : "no"}</span>` +
            `<span>orphans</span><span>${esc(chain.orphans)}</span>`;
          const target = Math.max(chain.target || 0, chain.height || 0);
          const progress = target > 0 ? Math.min(1, (chain.height || 0) / target) : 1;
          $("progress").style.width = (progress * 100).toFixed(1) + "%";
          $("eta").textContent = chain.syncing
            ? `${(progress * 100).toFixed(1)} % of ${target}, ${(chain.blocks_per_s || 0).toFixed(1)} blocks/s, ETA ${duration(chain.eta_s)}`
            : "caught up";
          $("mempool").textContent = `${text(chain.mempool)} transactions`;
        }

        function renderMempool(mempool) {
          if (!mempool.error) $("mempool").textContent = `${text(mempool.count)} transactions, ${bytes(mempool.bytes)}`;
        }

        function renderPeers() {
          const rs = {};
          for (const p of (state.coherence && state.coherence.peers) || []) rs[p.id] = p.r;
          const rows = state.peers.map((p) => `<tr class="peer"><td class="mono">${esc(p.address)}</td><td>${esc(p.direction)}</td>` +
            `<td>${esc(p.height)}</td><td>${rs[p.id] === undefined || rs[p.id] === null ? "–" : rs[p.id].toFixed(3)}</td>` +
            `<td>${typeof p.score === "number" ? p.score.toFixed(2) : "–"}</td><td>${esc(p.penalty)}</td></tr>`);
          $("peers").innerHTML = rows.join("") || `<tr><td colspan="6" class="empty">no peer connected</td></tr>`;
        }

        function addSample(sample) {
          state.samples.push(sample);
          const since = sample.t - WINDOW_S;
          while (state.samples.length && state.samples[0].t < since) state.samples.shift();
          $("rnow").textContent = `now: local ${sample.local.toFixed(3)}, network ${sample.network.toFixed(3)}`;
          draw();
        }

        function draw() {
          const canvas = $("chart");
          const ratio = window.devicePixelRatio || 1;
          const width = canvas.clientWidth || 1200, height = canvas.clientHeight || 320;
          canvas.width = width * ratio; canvas.height = height * ratio;
          const g = canvas.getContext("2d");
          g.scale(ratio, ratio);
          g.fillStyle = "#182029"; g.fillRect(0, 0, width, height);
          const left = 40, right = 10, top = 10, bottom = 24;
          const samples = state.samples;
          const now = samples.length ? samples[samples.length - 1].t : Date.now() / 1000;
          // Ten minutes once there are ten minutes of samples; until then the span there is, at least a minute.
          const span = samples.length ? now - samples[0].t : 0;
          const windowS = Math.min(WINDOW_S, Math.max(60, span * 1.2));
          const t0 = now - windowS;
          const x = (t) => left + (t - t0) / windowS * (width - left - right);
          const y = (r) => top + (1 - r) * (height - top - bottom);
          g.strokeStyle = "#26313c"; g.fillStyle = "#8a96a3"; g.font = "11px system-ui"; g.lineWidth = 1;
          for (let r = 0; r <= 1.001; r += 0.25) {
            g.beginPath(); g.moveTo(left, y(r)); g.lineTo(width - right, y(r)); g.stroke();
            g.fillText(r.toFixed(2), 4, y(r) + 4);
          }
          const step = windowS <= 120 ? 15 : windowS <= 300 ? 60 : 120;
          for (let ago = 0; ago <= windowS; ago += step) {
            g.fillText(ago === 0 ? "now" : ago < 60 || ago % 60 ? `-${ago}s` : `-${ago / 60}m`, x(now - ago) - 10, height - 6);
          }
          const line = (values, color, widthPx) => {
            g.strokeStyle = color; g.lineWidth = widthPx; g.beginPath();
            let open = false, last = null;
            for (const [t, r] of values) {
              // A gap of more than 5 s (the node did not answer) breaks the line.
              if (!open || t - last > 5) g.moveTo(x(t), y(r)); else g.lineTo(x(t), y(r));
              open = true; last = t;
            }
            g.stroke();
          };
          const peers = {};
          for (const s of samples) for (const [id, r] of Object.entries(s.peers || {})) (peers[id] = peers[id] || []).push([s.t, r]);
          const hues = Object.keys(peers).sort();
          hues.forEach((id, i) => line(peers[id], `hsla(${260 + i * 37 % 100}, 50%, 65%, 0.55)`, 1));
          line(samples.map((s) => [s.t, s.network]), "#ffb74d", 2);
          line(samples.map((s) => [s.t, s.local]), "#4fc3f7", 2);
          g.setLineDash([6, 4]); g.strokeStyle = "#ef5350"; g.lineWidth = 1.5;
          g.beginPath(); g.moveTo(left, y(ZC)); g.lineTo(width - right, y(ZC)); g.stroke(); g.setLineDash([]);
          g.fillStyle = "#ef5350"; g.fillText("z_c", left + 4, y(ZC) - 4);
          window.bloomChartPoints = samples.length;
        }

        async function getJSON(path) {
          const response = await fetch(path, { cache: "no-store" });
          return response.json();
        }

        async function refreshRSS() {
          try {
            const text = await (await fetch("/metrics", { cache: "no-store" })).text();
            const rss = {}; let sealed = 0, seen = false;
            for (const row of text.split("\n")) {
              let m = row.match(/^process_resident_memory_bytes\{service="([^"]+)",replica="(\d+)"\} (\S+)/);
              if (m) rss[m[1] + "/" + m[2]] = Number(m[3]);
              m = row.match(/^bloom_blocks_sealed_total\{[^}]*\} (\S+)/);
              if (m) { sealed += Number(m[1]); seen = true; }
            }
            state.rss = rss;
            $("sealed").textContent = seen ? String(sealed) : "–";
          } catch (e) { /* the next round tries again */ }
        }

        async function start() {
          try {
            const history = await getJSON(`/api/coherence/history?seconds=${WINDOW_S}`);
            for (const s of history.samples || []) state.samples.push(s);
            draw();
          } catch (e) { draw(); }
          for (const [path, render] of [["/api/status", renderServices], ["/api/chain", renderChain], ["/api/mempool", renderMempool]]) {
            getJSON(path).then(render).catch(() => {});
          }
          refreshRSS(); setInterval(refreshRSS, 5000);
          const events = new EventSource("/events");
          events.onopen = () => { $("conn").textContent = "live"; };
          events.onerror = () => { $("conn").textContent = "reconnecting…"; };
          events.addEventListener("status", (e) => renderServices(JSON.parse(e.data)));
          events.addEventListener("chain", (e) => renderChain(JSON.parse(e.data)));
          events.addEventListener("mempool", (e) => renderMempool(JSON.parse(e.data)));
          events.addEventListener("peers", (e) => { const d = JSON.parse(e.data); state.peers = d.peers || []; renderPeers(); });
          events.addEventListener("coherence", (e) => {
            const d = JSON.parse(e.data);
            state.coherence = { peers: Object.entries(d.peers || {}).map(([id, r]) => ({ id, r })) };
            $("mining").textContent = d.mining ? "on" : "off";
            addSample(d); renderPeers();
          });
          window.addEventListener("resize", draw);
        }
        start();
        """#
}
