#!/usr/bin/python3
"""`shop serve --cache-names MS`: GET /orders/{id} takes product names and usernames from the
read cache, on the shop's SQLite config in a temporary folder.

    read_cache_test.py BUILD_DIR SOURCE_DIR

Renames made by another process (this one, through sqlite3) are not seen while the rows are
cached (the documented staleness, bounded by the time to live, an hour here); the shop's own
write to a product (POST /orders takes its stock) drops that product's row at once; stock and
prices never come from the cache (GET /products/{id} reads them); the cache's counts are in
GET /metrics; without the option every read sees the renames at once.
"""
import json
import os
import shutil
import sqlite3
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


def get(port, path):
    status, body, _ = shop_test_support.call_with_type(port, "GET", path)
    check(status == 200, f"GET {path} answered {status}")
    return json.loads(body) if status == 200 else {}


def names(order):
    return order["user"]["username"], [item["product_name"] for item in order["items"]]


def cache_hits(port):
    _, text, _ = shop_test_support.call_with_type(port, "GET", "/metrics")
    hits = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "manydb_read_cache_hits_total":
                hits += s.value
    return hits


def rename(work, order):
    """Another process renames the order's user and its first product."""
    with sqlite3.connect(os.path.join(work, "data/users.db")) as users:
        users.execute('UPDATE "user" SET username = ? WHERE id = ?',
                      ("renamed_user", order["user"]["id"]))
    with sqlite3.connect(os.path.join(work, "data/products.db")) as products:
        products.execute("UPDATE product SET name = ? WHERE id = ?",
                         ("Renamed product", order["items"][0]["product_id"]))


work = tempfile.mkdtemp()
env = shop_test_support.without_database_variables()
shop = os.path.join(build, "apps/shop/shop")
config = os.path.join(root, "config/shop.toml")
subprocess.run([shop, "--config", config, "seed", "--reset", "--products", "20", "--users", "5",
                "--orders", "10", "--reviews", "0"], cwd=work, env=env, check=True,
               stdout=subprocess.DEVNULL)
cached = shop_test_support.ShopServer(shop, config, work, env, "--cache-names", "3600000",
                                      "--page-views", "off")
try:
    port = cached.port
    order = get(port, "/orders/1")
    check(order.get("items"), "order 1 has items")
    before = names(order)
    hits = cache_hits(port)
    check(names(get(port, "/orders/1")) == before, "a second read shows the same names")
    check(cache_hits(port) >= hits + 2, "the second read's user and products came from the cache")

    rename(work, order)
    product_id = order["items"][0]["product_id"]
    check(names(get(port, "/orders/1")) == before,
          "another process's renames are not seen while the rows are cached")
    product = get(port, f"/products/{product_id}")
    check(product.get("name") == "Renamed product", "GET /products/{id} never reads the cache")

    # The shop's own write to the product (its stock) drops the product's row at once.
    status, body, _ = shop_test_support.call_with_type(
        port, "POST", "/orders",
        json.dumps({"user_id": order["user"]["id"],
                    "items": [{"product_id": product_id, "quantity": 1}]}))
    check(status == 201, f"POST /orders answered {status}: {body}")
    after = names(get(port, "/orders/1"))
    check(after[1][0] == "Renamed product", f"the ordered product's name is read again: {after}")
    check(after[0] == before[0], "the user, which nothing here wrote, is still cached")
    check(get(port, f"/products/{product_id}").get("stock") == product.get("stock", 0) - 1,
          "stock is read, never cached")
finally:
    code = cached.stop()
    check(code == 0, f"the cached shop exited {code}")

plain = shop_test_support.ShopServer(shop, config, work, env, "--page-views", "off")
try:
    user, products = names(get(plain.port, "/orders/1"))
    check(user == "renamed_user" and products[0] == "Renamed product",
          "without --cache-names every rename is seen at once")
    check(cache_hits(plain.port) == 0, "without --cache-names nothing is cached")
finally:
    plain.stop()

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    print(open(os.path.join(work, "shop.log")).read()[-3000:])
    sys.exit(1)
shutil.rmtree(work, ignore_errors=True)
print("read cache: names cached and invalidated as documented")
