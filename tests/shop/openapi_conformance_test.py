#!/usr/bin/python3
"""docs/openapi.yaml is the contract: every route, called the ways the spec describes, answers
with a status the spec lists for it, and every JSON body carries the spec's required fields
with the spec's types. Runs the real shop on its SQLite config in a temporary folder."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import urllib.error

import yaml

import shop_test_support

build, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
spec = yaml.safe_load(open(os.path.join(root, "docs/openapi.yaml")))
schemas = spec["components"]["schemas"]
failures = []


def resolve(schema):
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def check(value, schema, where):
    """Required fields and JSON types, recursively (allOf merged)."""
    schema = resolve(schema)
    if value is None:  # a null array item (a null property is checked by its object)
        if not schema.get("nullable"):
            failures.append(f"{where}: null, but the spec does not allow it")
        return
    for part in schema.get("allOf", []):
        check(value, part, where)
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "integer": int,
             "number": (int, float), "boolean": bool}
    if kind and not isinstance(value, types[kind]) or (kind == "integer" and isinstance(value, bool)):
        failures.append(f"{where}: expected {kind}, got {json.dumps(value)[:80]}")
        return
    if kind == "object" or "properties" in schema:
        for field in schema.get("required", []):
            if field not in value:
                failures.append(f"{where}: required field '{field}' missing")
        for field, sub in schema.get("properties", {}).items():
            if field in value and value[field] is None:
                if not resolve(sub).get("nullable"):
                    failures.append(f"{where}.{field}: null, but the spec does not allow it")
            elif field in value:
                check(value[field], sub, f"{where}.{field}")
    if kind == "array":
        for i, item in enumerate(value[:5]):
            check(item, schema.get("items", {}), f"{where}[{i}]")


def call(port, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def check_headers(documented, headers, where):
    """Every header the spec says the response has is there, and matches its pattern."""
    if "$ref" in documented:
        documented = spec["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    for name, header in documented.get("headers", {}).items():
        if "$ref" in header:
            header = spec["components"]["headers"][header["$ref"].rsplit("/", 1)[1]]
        value = headers.get(name)
        if value is None:
            if header.get("required"):
                failures.append(f"{where}: no {name} header")
            continue
        pattern = header.get("schema", {}).get("pattern")
        if pattern and not re.search(pattern, value):
            failures.append(f"{where}: {name} {value!r} does not match {pattern}")


# One request per documented outcome we can provoke on seeded data; a fifth item is the
# request's headers.
BAD_TOKEN = {"X-Consistency-Token": "orders=zz"}
CASES = [
    ("GET", "/products", "/products", None),
    ("GET", "/products", "/products?category=category-3", None),
    ("GET", "/products/{id}", "/products/1", None),
    ("GET", "/products/{id}", "/products/999999", None),
    ("POST", "/products/{id}/reviews", "/products/1/reviews", {"user_id": 1, "rating": 5, "comment": "ok"}),
    ("POST", "/products/{id}/reviews", "/products/1/reviews", {"user_id": 1, "rating": 9}),
    ("POST", "/products/{id}/reviews", "/products/999999/reviews", {"user_id": 1, "rating": 3}),
    ("POST", "/users", "/users", {"username": "spec_user", "email": "spec@example.com"}),
    ("POST", "/users", "/users", {"username": "spec_user", "email": "spec@example.com"}),
    ("POST", "/users", "/users", {"username": ""}),
    ("GET", "/users/{id}", "/users/1", None),
    ("GET", "/users/{id}", "/users/999999", None),
    ("GET", "/users/{id}/orders", "/users/1/orders", None),
    ("GET", "/users/{id}/orders", "/users/999999/orders", None),
    ("POST", "/orders", "/orders", {"user_id": 1, "items": [{"product_id": 1, "quantity": 1}]}),
    ("POST", "/orders", "/orders", {"user_id": 1, "items": []}),
    ("POST", "/orders", "/orders", {"user_id": 999999, "items": [{"product_id": 1, "quantity": 1}]}),
    ("POST", "/orders", "/orders", {"user_id": 1, "items": [{"product_id": 1, "quantity": 10**9}]}),
    ("GET", "/orders/{id}", "/orders/1", None),
    ("GET", "/orders/{id}", "/orders/999999", None),
    ("GET", "/orders/{id}", "/orders/1", None, BAD_TOKEN),
    ("GET", "/products", "/products", None, {"X-Consistency-Token": "nobind=0/1"}),
    ("POST", "/users", "/users", {"username": "spec_token", "email": "t@example.com"}, BAD_TOKEN),
    ("GET", "/healthz", "/healthz", None),
    ("GET", "/metrics", "/metrics", None),
    ("GET", "/status", "/status", None),
    ("GET", "/status.json", "/status.json", None),
    # After the views above are written (see wait_for_page_views), so the reports have rows.
    ("GET", "/analytics/pages", "/analytics/pages", None),
    ("GET", "/analytics/pages", "/analytics/pages?from=2020-02-30", None),
    ("GET", "/analytics/visits", "/analytics/visits", None),
    ("GET", "/analytics/visits", "/analytics/visits?limit=1", None),
    ("GET", "/analytics/visits", "/analytics/visits?limit=0", None),
    ("GET", "/analytics/conversion", "/analytics/conversion", None),
    ("GET", "/analytics/conversion", "/analytics/conversion?from=2021-03-11&to=2021-03-10", None),
    ("GET", "/analytics/visits", "/analytics/visits", None, BAD_TOKEN),
]

def check_status_samples(port, operation):
    """/status.json again once it holds a sample, so that its series' items are checked too."""
    deadline = time.monotonic() + 30
    while True:
        report = json.loads(call(port, "GET", "/status.json")[1])
        if report["t"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # the pace of the poll: a sample every 2 s
    if not report["t"]:
        failures.append("GET /status.json: no sample within 30 s")
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    check(report, schema, "GET /status.json (sampled)")


def wait_for_page_views(port, deadline_s=30):
    """Page views are written in the background: polls the report until it shows them."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        status, raw, _ = call(port, "GET", "/analytics/pages")
        if status == 200 and json.loads(raw):
            return
        time.sleep(0.05)  # a poll interval, not a synchronisation
    failures.append("no page view reached /analytics/pages within 30 s")

work = tempfile.mkdtemp()
env = shop_test_support.without_database_variables()
shop = os.path.join(build, "apps/shop/shop")
config = os.path.join(root, "config/shop.toml")
subprocess.run([shop, "--config", config, "seed", "--products", "20", "--users", "10",
                "--orders", "15", "--reviews", "10"], cwd=work, env=env, check=True,
               stdout=subprocess.DEVNULL)
server = subprocess.Popen([shop, "--config", config, "serve", "--port", "0"], cwd=work, env=env,
                          stdout=subprocess.PIPE, text=True)
try:
    line = server.stdout.readline()
    port = int(line.rsplit(":", 1)[1])
    seen = set()
    waited = False
    for method, template, path, body, *headers in CASES:
        if template.startswith("/analytics/") and not waited:
            wait_for_page_views(port)
            waited = True
        operation = spec["paths"][template][method.lower()]
        status, raw, headers = call(port, method, path, body, *headers)
        seen.add((method, template))
        where = f"{method} {path} -> {status}"
        documented = operation["responses"].get(str(status))
        if documented is None:
            failures.append(f"{where}: status not in the spec ({sorted(operation['responses'])})")
            continue
        check_headers(documented, headers, where)
        content = documented.get("content", {}).get("application/json")
        if content:
            check(json.loads(raw), content["schema"], where)
        if template == "/status.json":
            check_status_samples(port, operation)
    for template, operations in spec["paths"].items():
        for method in operations:
            if method != "parameters" and (method.upper(), template) not in seen:
                failures.append(f"{method.upper()} {template}: no case exercises it")
finally:
    server.send_signal(signal.SIGTERM)
    code = server.wait(timeout=60)
    if code != 0:
        failures.append(f"the shop exited with {code} on SIGTERM")
    shutil.rmtree(work, ignore_errors=True)

for f in failures:
    print("FAIL:", f)
print(f"{len(CASES)} requests checked against docs/openapi.yaml, {len(failures)} failures")
sys.exit(1 if failures else 0)
