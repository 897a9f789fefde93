#!/usr/bin/env python3
"""The dashboard in a real headless browser: Debian's chromium driven by Playwright (Scripts/setup --browser).

Starts two real nodes (bloom-supervisor with its services, from the debug build) on loopback, n1 dialling n0, opens
n0's dashboard and checks: the page loads with no console error, the coherence chart's points grow, the connected
peer (n1) appears in the peers table. Writes a screenshot under .build/test-runs/. Exit 0 on success.

Waits are hang guards (generous bounds on waiting for evidence), not speed checks."""
import os, shutil, signal, socket, subprocess, sys, tempfile, time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("BLOOM_BIN") or subprocess.check_output(
    ["swift", "build", "--show-bin-path"], cwd=REPO, text=True).strip()
CHROMIUM = os.environ.get("BLOOM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for(what, condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    value = condition()
    if value:
        return value
    raise AssertionError(f"gave up waiting after {seconds} s: {what}")


class Node:
    def __init__(self, root, index, connect=None):
        self.address = f"127.0.0.{30 + index}"
        self.port = free_port(self.address)
        self.data = os.path.join(root, f"n{index}")
        self.log = open(os.path.join(root, f"n{index}.log"), "wb")
        args = [os.path.join(BIN, "bloom-supervisor"), "--data-dir", self.data, "--bind", self.address,
                "--port", str(self.port), "--http", f"{self.address}:0", "--handshake-timeout", "5"]
        if connect:
            args += ["--connect", connect]
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def endpoint(self):
        return f"{self.address}:{self.port}"

    def url(self):
        try:
            return open(os.path.join(self.data, "run", "http.address")).read().strip()
        except OSError:
            return None

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def main():
    from playwright.sync_api import sync_playwright

    artefacts = os.path.join(REPO, ".build", "test-runs")
    os.makedirs(artefacts, exist_ok=True)
    root = tempfile.mkdtemp(prefix="bdash-", dir="/tmp")
    nodes = []
    ok = False
    try:
        n0 = Node(root, 0)
        nodes.append(n0)
        n1 = Node(root, 1, connect=n0.endpoint)
        nodes.append(n1)
        url = wait_for("n0's HTTP server", n0.url, 120)
        errors = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.on("console", lambda message: errors.append(f"console.{message.type}: {message.text}")
                    if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.goto(url, wait_until="load")
            page.wait_for_function("window.bloomChartPoints >= 1", timeout=120_000)
            first = page.evaluate("window.bloomChartPoints")
            page.wait_for_function(f"window.bloomChartPoints >= {first + 3}", timeout=120_000)
            grown = page.evaluate("window.bloomChartPoints")
            page.wait_for_function(
                f"Array.from(document.querySelectorAll('#peers tr.peer')).some(r => r.textContent.includes('{n1.address}'))",
                timeout=120_000)
            page.wait_for_function("document.querySelectorAll('#services tr td.ready').length >= 3", timeout=60_000)
            shot = os.path.join(artefacts, time.strftime("dashboard-%Y%m%dT%H%M%SZ.png", time.gmtime()))
            page.screenshot(path=shot, full_page=True)
            browser.close()
        if errors:
            raise AssertionError("console errors:\n" + "\n".join(errors))
        print(f"dashboard test: passed (chart points {first} -> {grown}, peer {n1.address} listed, "
              f"no console error); screenshot {shot}")
        ok = True
    finally:
        for node in nodes:
            node.stop()
        if ok and not os.environ.get("BLOOM_E2E_KEEP"):
            shutil.rmtree(root, ignore_errors=True)
        elif not ok:
            print(f"dashboard test: logs kept in {root}", file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the message is the verdict
        print(f"dashboard test: FAILED: {error}", file=sys.stderr)
        sys.exit(1)
