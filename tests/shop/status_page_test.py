#!/usr/bin/python3
"""GET /status in headless Chromium, and GET /status.json, on the real shop (its SQLite config,
in a temporary folder).

    status_page_test.py BUILD_DIR SOURCE_DIR

The shop runs with one more bind, "ghost": a PostgreSQL URL carrying the test servers' password
(scripts/lib-db.sh) to a loopback port where nothing listens, so its health check fails and its
error is shown. After requests that touch the five real binds, once /status.json holds their
latencies, Chromium loads the page, lets its scripts run, and dumps the DOM and a screenshot
(BUILD_DIR/status.png). The test fails if the page reports a script error, if a chart drew no
point (the ghost's latency chart excepted: it ran no statement), if the screenshot is missing or
empty, if /status.json lacks its shape, or if the password appears in the page or the JSON.
No Chromium process may outlive the test.
"""
import html.parser
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import shop_test_support

build, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
failures = []
REAL_BINDS = {"default", "users", "orders", "reviews", "analytics"}
WINDOW = (1400, 1250)


def check(ok, what):
    if not ok:
        failures.append(what)


call = shop_test_support.call_with_type


def passwords():
    return shop_test_support.test_server_passwords(root)


def no_password(text, where):
    for name, secret in passwords().items():
        check(secret not in text, f"{name} appears in {where}")


def status_json(port):
    status, text, content_type = call(port, "GET", "/status.json")
    check(status == 200, f"GET /status.json answered {status}")
    check(content_type.startswith("application/json"), f"/status.json Content-Type {content_type}")
    return text, json.loads(text)


def has_latency(bind):
    return any(v is not None for v in bind["p99_us"])


def ready(report):
    """Every bind's health checked, and a latency sampled on every real bind."""
    binds = report["binds"]
    return (all(b["health"]["status"] != "unknown" for b in binds)
            and all(has_latency(b) for b in binds if b["name"] in REAL_BINDS))


def check_shape(report):
    columns = ["t", "elapsed_ms", "page_views_queued"]
    for key in columns + ["interval_ms", "window_s", "binds"]:
        check(key in report, f"/status.json has no '{key}'")
    n = len(report["t"])
    check(n >= 1, "/status.json holds no sample")
    for key in columns:
        check(len(report[key]) == n, f"'{key}' has {len(report[key])} values for {n} instants")
    names = {b["name"] for b in report["binds"]}
    check(names == REAL_BINDS | {"ghost"}, f"binds {sorted(names)}")
    series = ["p50_us", "p95_us", "p99_us", "statements", "errors", "pool_size", "pool_in_use",
              "pool_idle", "pool_waits", "down"]
    for b in report["binds"]:
        for key in series:
            check(len(b.get(key, [])) == n, f"bind {b['name']}: '{key}' not one value per instant")
        want = "postgresql" if b["name"] == "ghost" else "sqlite"
        check(b["engine"] == want, f"bind {b['name']}: engine {b['engine']}, not {want}")
        for p50, p95, p99 in zip(b["p50_us"], b["p95_us"], b["p99_us"]):
            check((p50 is None) == (p99 is None) and (p50 is None or p50 <= p95 <= p99),
                  f"bind {b['name']}: percentiles out of order {p50}, {p95}, {p99}")
    by_name = {b["name"]: b for b in report["binds"]}
    for name in REAL_BINDS:
        check(by_name[name]["health"]["status"] == "ok", f"bind {name}: {by_name[name]['health']}")
        check(sum(by_name[name]["statements"]) > 0, f"bind {name}: no statement sampled")
    ghost = by_name["ghost"]["health"]
    check(ghost["status"] == "down", f"the ghost bind is {ghost['status']}, not down")
    check("ghost" in ghost.get("error", ""), f"the ghost's error does not name it: {ghost}")


class Canvases(html.parser.HTMLParser):
    """The canvases of a dumped DOM, and the text of #script-errors."""

    def __init__(self):
        super().__init__()
        self.canvases, self.errors, self.in_errors = [], "", False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "canvas":
            self.canvases.append(a)
        self.in_errors = a.get("id") == "script-errors"

    def handle_endtag(self, tag):
        self.in_errors = False

    def handle_data(self, data):
        if self.in_errors:
            self.errors += data


def chromium_processes(profile):
    """Pids of processes whose command line names our profile folder."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if profile.encode() in f.read():
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


def chromium(url, profile, *args):
    """Runs headless Chromium in a process group of its own, killed whatever happens."""
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
               f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
               "--virtual-time-budget=5000", *args, url]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, text=True)
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    check(proc.returncode == 0, f"chromium {args} exited with {proc.returncode}: {err[-500:]}")
    return out


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def check_page(port, work):
    status, page, content_type = call(port, "GET", "/status")
    check(status == 200, f"GET /status answered {status}")
    check(content_type.startswith("text/html"), f"/status Content-Type {content_type}")
    check(page.count("<script") == 1 and page.count("<style") == 1, "not one inline script/style")
    check(not re.search(r"(src|href)=\"?(https?:)?//", page), "the page loads something remote")
    no_password(page, "GET /status")

    url = f"http://127.0.0.1:{port}/status"
    profile = os.path.join(work, "chromium-profile")
    dom = chromium(url, profile, "--dump-dom")
    no_password(dom, "the page's DOM")
    parsed = Canvases()
    parsed.feed(dom)
    check(parsed.errors.strip() == "", f"the page reported: {parsed.errors.strip()}")
    charts = [(c.get("data-chart"), c.get("data-bind")) for c in parsed.canvases]
    check(("queue", None) in charts, "no page-view queue chart")
    for name in REAL_BINDS | {"ghost"}:
        for kind in ("latency", "pool"):
            check((kind, name) in charts, f"no {kind} chart for bind {name}")
    for c in parsed.canvases:
        if c.get("data-chart") == "latency" and c.get("data-bind") == "ghost":
            continue  # it ran no statement: its chart says so
        check(int(c.get("data-points", "0")) > 0,
              f"the {c.get('data-chart')} chart of {c.get('data-bind')} drew no point")

    screenshot = os.path.join(build, "status.png")
    if os.path.exists(screenshot):
        os.remove(screenshot)
    chromium(url, profile, f"--screenshot={screenshot}")
    check(os.path.exists(screenshot) and os.path.getsize(screenshot) > 0, "no screenshot")
    if os.path.exists(screenshot):
        check(png_size(screenshot) == WINDOW, f"the screenshot is {png_size(screenshot)}")

    deadline = time.monotonic() + 30
    while chromium_processes(profile) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = chromium_processes(profile)
    check(not left, f"chromium processes survived: {left}")
    for pid in left:
        os.kill(pid, signal.SIGKILL)


work = tempfile.mkdtemp()
env = shop_test_support.without_database_variables()
shop = os.path.join(build, "apps/shop/shop")
config = os.path.join(root, "config/shop.toml")
subprocess.run([shop, "--config", config, "seed", "--reset", "--products", "5", "--users", "3",
                "--orders", "2", "--reviews", "1"], cwd=work, env=env, check=True,
               stdout=subprocess.DEVNULL)
# A port bound but not listening: a connection there is refused at once.
closed = socket.socket()
closed.bind(("127.0.0.1", 0))
ghost = f"postgresql://manydb:{passwords()['DB_PASSWORD_URL']}@127.0.0.1:{closed.getsockname()[1]}/shop"
server = subprocess.Popen([shop, "--config", config, "serve", "--port", "0"], cwd=work,
                          env=dict(env, MANYDB_BIND_GHOST=ghost), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
try:
    port = int(server.stdout.readline().rsplit(":", 1)[1])
    order = '{"user_id": 1, "items": [{"product_id": 1, "quantity": 1}]}'
    deadline = time.monotonic() + 60
    while True:  # requests on every real bind until the sampler has seen them all
        check(call(port, "GET", "/products/1")[0] == 200, "GET /products/1")  # default, reviews
        check(call(port, "POST", "/orders", order)[0] == 201, "POST /orders")  # users, orders
        call(port, "GET", "/users/1/orders")  # a page view, written to analytics
        text, report = status_json(port)
        if ready(report) or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # the pace of the poll: the sampler takes a sample every 2 s
    check(ready(report), "no latency sampled on every bind within 60 s")
    check_shape(report)
    no_password(text, "GET /status.json")
    check_page(port, work)
finally:
    server.send_signal(signal.SIGTERM)
    _, stderr = server.communicate(timeout=60)
    check(server.returncode == 0, f"the shop exited with {server.returncode} on SIGTERM")
    no_password(stderr, "the shop's log")
    closed.close()
    shutil.rmtree(work, ignore_errors=True)

for f in failures:
    print("FAIL:", f)
print(f"GET /status and /status.json checked, {len(failures)} failures")
sys.exit(1 if failures else 0)
