#!/usr/bin/python3
"""GET /metrics of the real shop (on its SQLite config, in a temporary folder).

    metrics_test.py BUILD_DIR SOURCE_DIR

The output must parse with prometheus_client's own text parser; after some requests the
counts they make must have moved by exactly as much (requests by route template and status,
statements and transactions of the binds); no raw path with an id may be a label value; and
the test servers' password (scripts/lib-db.sh DB_PASSWORD) must appear nowhere. (The shop
runs on SQLite here, as a server bind would need a database of its own to seed; the engine
test Metrics.TheExpositionNamesNoUrlNorPassword renders the metrics of a bind on each server.)
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from prometheus_client.parser import text_string_to_metric_families

import shop_test_support

build, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


call = shop_test_support.call_with_type


def password():
    return shop_test_support.test_server_passwords(root)["DB_PASSWORD"]


def scrape(port):
    status, text, content_type = call(port, "GET", "/metrics")
    check(status == 200, f"GET /metrics answered {status}")
    check(content_type.startswith("text/plain; version=0.0.4"), f"Content-Type {content_type}")
    samples = {}
    families = {}
    for family in text_string_to_metric_families(text):  # raises on a malformed exposition
        families[family.name] = family.type
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return text, families, samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples, name, **labels):
    """The sum over every sample of `name` whose labels include `labels`."""
    n = 0.0
    for (sample, sample_labels), v in samples.items():
        d = dict(sample_labels)
        if sample == name and all(d.get(k) == v2 for k, v2 in labels.items()):
            n += v
    return n


work = tempfile.mkdtemp()
env = shop_test_support.without_database_variables()
shop = os.path.join(build, "apps/shop/shop")
config = os.path.join(root, "config/shop.toml")
subprocess.run([shop, "--config", config, "seed", "--reset", "--products", "5", "--users", "3",
                "--orders", "2", "--reviews", "1"], cwd=work, env=env, check=True,
               stdout=subprocess.DEVNULL)
server = subprocess.Popen([shop, "--config", config, "serve", "--port", "0"], cwd=work, env=env,
                          stdout=subprocess.PIPE, text=True)
try:
    port = int(server.stdout.readline().rsplit(":", 1)[1])
    _, families, before = scrape(port)
    for name, kind in [("manydb_statement_duration_seconds", "histogram"),
                       ("manydb_errors", "counter"), ("manydb_transactions", "counter"),
                       ("manydb_pool_connections", "gauge"),
                       ("manydb_pool_wait_duration_seconds", "histogram"),
                       ("shop_http_requests", "counter"),
                       ("shop_http_request_duration_seconds", "histogram"),
                       ("shop_http_requests_in_flight", "gauge"),
                       ("shop_page_views_queued", "gauge"),
                       ("shop_page_views_written", "counter"),
                       ("shop_page_views_logged", "counter"),
                       ("shop_page_views_replayed", "counter"),
                       ("shop_page_views_spill_pending", "gauge"),
                       ("shop_page_views_slowest_log_append_seconds", "gauge")]:
        check(families.get(name) == kind, f"family {name}: {families.get(name)}, not {kind}")

    for product in (1, 2, 3):
        check(call(port, "GET", f"/products/{product}")[0] == 200, "GET /products/N")
    check(call(port, "GET", "/products/999999")[0] == 404, "GET /products/999999")
    check(call(port, "GET", "/no/such/path/17")[0] == 404, "GET /no/such/path/17")
    order = '{"user_id": 1, "items": [{"product_id": 1, "quantity": 1}]}'
    check(call(port, "POST", "/orders", order)[0] == 201, "POST /orders")

    text, _, after = scrape(port)
    req = "shop_http_requests_total"
    moved = lambda name, **l: value(after, name, **l) - value(before, name, **l)
    check(moved(req, method="GET", route="/products/{id}", status="200") == 3,
          "3 GET /products/{id} 200s not counted")
    check(moved(req, method="GET", route="/products/{id}", status="404") == 1,
          "the 404 of /products/{id} not counted")
    check(moved(req, method="any", route="unmatched", status="404") == 1,
          "the unmatched path not counted")
    check(moved(req, method="POST", route="/orders", status="201") == 1, "POST /orders not counted")
    check(moved("shop_http_request_duration_seconds_count", method="GET",
                route="/products/{id}") == 4, "latency of /products/{id} not observed 4 times")
    check(value(after, "shop_http_requests_in_flight") == 1, "in flight is not the scrape itself")
    check("/products/1\"" not in text and "/no/such" not in text, "a raw path became a label")

    reads = lambda s: total(s, "manydb_statement_duration_seconds_count", kind="read")
    check(reads(after) - reads(before) >= 4, "the reads of the requests were not counted")
    orders = lambda s: total(s, "manydb_statement_duration_seconds_count", bind="orders",
                             kind="write")
    check(orders(after) - orders(before) >= 2, "the order's INSERTs were not counted")
    commits = lambda s: total(s, "manydb_transactions_total", outcome="committed")
    check(commits(after) - commits(before) >= 1, "the order's commit was not counted")
    check(value(after, "manydb_pool_connections_opened_total", bind="default",
                engine="sqlite") >= 1, "no connection counted as opened on default")
    check(password() not in text, "the test servers' password appears in /metrics")
    check(password().replace("@", "%40") not in text, "the encoded password appears")
finally:
    server.send_signal(signal.SIGTERM)
    code = server.wait(timeout=60)
    check(code == 0, f"the shop exited with {code} on SIGTERM")
    shutil.rmtree(work, ignore_errors=True)

for f in failures:
    print("FAIL:", f)
print(f"GET /metrics checked, {len(failures)} failures")
sys.exit(1 if failures else 0)
