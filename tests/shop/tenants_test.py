#!/usr/bin/python3
"""The shop with a database per tenant (issue 22), as a process, on SQLite or on PostgreSQL.

    tenants_test.py BUILD_DIR SOURCE_DIR sqlite|servers

sqlite: config/shop-tenants.toml in a scratch folder. servers: config/shop-tenants-servers.toml
on the PostgreSQL server of scripts/with-db, with scratch names (users_tt<pid>, tenant databases
tt<pid>_<id>) and analytics on a SQLite file; skipped without that environment unless
MANYDB_REQUIRE_ALL_ENGINES=1. Both with refresh_ms lowered to 100.
1. `shop tenant create acme` while the shop serves: requests with X-Tenant: acme work at once;
   `shop seed --tenant` fills acme and beta while it serves; `manydb tenant list` lists them.
2. Shared routes (users, health) work without the header; a per-tenant route without it is a
   400 JSON error; a tenant never created is a 404 JSON error and nothing is made for it.
3. Hostile ids (`../x`, `a;drop table`, `A`, unicode, 200 characters, empty, a valid id with a
   trailing newline), in the header of every per-tenant route and to `shop tenant create`: each
   is a 400 JSON error (the command exits non-zero), and no file or database is made.
4. Isolation, read in the databases themselves (sqlite3 module / psql), not through the API:
   orders and reviews posted for acme are in acme's database only, beta's for beta only, and
   the stock each order took is taken in its tenant's database only.
5. `tenant drop beta` refuses without --yes (beta still serves); with it, beta answers 404
   within a deadline, its file or database is gone, and acme still serves.
6. A configuration without tenant binds: `shop tenant create` fails with a message, exit != 0.
"""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

import shop_test_support

build, root, mode = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
shop = os.path.join(build, "apps/shop/shop")
manydb = os.path.join(build, "tools/manydb/manydb")
PSQL = "/usr/lib/postgresql/15/bin/psql"
HOSTILE = [b"../x", b"a;drop table", b"A", "\u00e4cme".encode(), "\u79df\u6237".encode(),
           b"a" * 200, b"", b"acme\n"]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def wait_until(predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            failures.append(f"timed out waiting for {what}")
            return False
        time.sleep(0.05)
    return True


def call(port, method, path, tenant=None, body=None):
    """(status, parsed JSON body or None, raw body)."""
    status, data, _ = shop_test_support.call(
        port, method, path, body, headers={"X-Tenant": tenant} if tenant is not None else None)
    try:
        return status, json.loads(data), data
    except ValueError:
        return status, None, data


def raw_call(port, method, path, tenant, body=b""):
    """A request whose X-Tenant header holds any bytes (http.client refuses some)."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head + b"X-Tenant: " + tenant + b"\r\n\r\n" + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, data = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), data.decode(errors="replace")


def psql(url, sql):
    out = subprocess.run([PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         check=True, capture_output=True, text=True,
                         env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"))
    return out.stdout.strip()


def with_database(url, database):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + database, query=""))


class SqliteTenants:
    """config/shop-tenants.toml in `work`: the tenants are files under data/tenants."""

    def __init__(self, work):
        self.work = work
        self.config = test_config(work, "config/shop-tenants.toml")

    def env(self):
        return shop_test_support.without_database_variables()

    def exists(self, tenant):
        return os.path.exists(self.path(tenant))

    def path(self, tenant):
        return os.path.join(self.work, "data/tenants", tenant + ".db")

    def made(self):
        """Every file and folder under data/: what a refused id must not add to."""
        out = set()
        for folder, dirs, files in os.walk(os.path.join(self.work, "data")):
            out.update(os.path.join(folder, n) for n in dirs + files)
        return out

    def query(self, tenant, sql, params=()):
        with sqlite3.connect(f"file:{self.path(tenant)}?mode=ro", uri=True) as db:
            return db.execute(sql, params).fetchall()

    def drop(self):
        pass


class PostgresTenants:
    """config/shop-tenants-servers.toml on the scripts/with-db PostgreSQL server, under
    scratch names: the tenant databases are tt<pid>_<id>."""

    def __init__(self, work):
        self.server = os.environ["MANYDB_TEST_POSTGRES_URL"]
        self.admin = with_database(self.server, "postgres")
        self.prefix = f"tt{os.getpid()}_"
        self.users = f"users_tt{os.getpid()}"
        psql(self.admin, f'DROP DATABASE IF EXISTS "{self.users}" WITH (FORCE)')
        psql(self.admin, f'CREATE DATABASE "{self.users}"')
        self.work = work
        self.config = test_config(work, "config/shop-tenants-servers.toml")

    def env(self):
        env = shop_test_support.without_database_variables()
        template = with_database(self.server, self.prefix + "{tenant}")
        env.update(DATABASE_URL=template, MANYDB_BIND_ORDERS=template,
                   MANYDB_BIND_REVIEWS=template,
                   MANYDB_BIND_USERS=with_database(self.server, self.users),
                   MANYDB_BIND_ANALYTICS=f"sqlite:///{self.work}/analytics.db")
        return env

    def exists(self, tenant):
        return psql(self.admin, "SELECT count(*) FROM pg_database WHERE datname = "
                    f"'{self.prefix}{tenant}'") == "1"

    def made(self):
        """The databases of this test's tenant template: what a refused id must not add to
        (other tests make databases of their own on the same server meanwhile)."""
        return {n for n in psql(self.admin, "SELECT datname FROM pg_database").splitlines()
                if n.startswith(self.prefix)}

    def query(self, tenant, sql, params=()):
        for p in params:  # the test's own integers and markers: no quoting needed
            sql = sql.replace("?", f"'{p}'" if isinstance(p, str) else str(int(p)), 1)
        out = psql(with_database(self.server, self.prefix + tenant), sql)
        return [tuple(line.split("|")) for line in out.splitlines()]

    def drop(self):
        for name in [self.users, *self.made()]:
            try:
                psql(self.admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except subprocess.CalledProcessError as e:
                print(f"could not drop {name}: {e.stderr}")


def test_config(work, name):
    """The config with refresh_ms 100: a drop by another process shows within a tenth of a
    second, not the shipped second."""
    with open(os.path.join(root, name)) as f:
        text = f.read()
    check("refresh_ms = 1000" in text, f"{name} no longer sets refresh_ms = 1000")
    path = os.path.join(work, os.path.basename(name))
    with open(path, "w") as f:
        f.write(text.replace("refresh_ms = 1000", "refresh_ms = 100"))
    return path


def run(databases, program, *args):
    return subprocess.run([program, "--config", databases.config, *args], cwd=databases.work,
                          env=databases.env(), capture_output=True, text=True)


def created_while_serving(port, databases):
    """1. A tenant created while the shop serves is usable at once; seeding it too."""
    status, _, data = call(port, "GET", "/products", "acme")
    check(status == 404, f"GET /products for acme before it exists: {status} {data}")
    out = run(databases, shop, "tenant", "create", "acme")
    check(out.returncode == 0 and "created tenant acme" in out.stdout,
          f"shop tenant create acme: {out.returncode} {out.stdout}{out.stderr}")
    status, answer, data = call(port, "GET", "/products", "acme")
    check(status == 200 and answer == [], f"GET /products for a new acme: {status} {data}")
    for tenant in ("acme", "beta"):
        if tenant == "beta":
            run(databases, shop, "tenant", "create", "beta")
        out = run(databases, shop, "seed", "--tenant", tenant, "--products", "5", "--users", "3",
                  "--orders", "4", "--reviews", "2")
        check(out.returncode == 0, f"shop seed --tenant {tenant}: {out.stdout}{out.stderr}")
        status, answer, data = call(port, "GET", "/products", tenant)
        check(status == 200 and isinstance(answer, list) and len(answer) == 5,
              f"GET /products for the seeded {tenant}: {status} {data[:200]}")
    out = run(databases, manydb, "tenant", "list")
    check(out.returncode == 0 and out.stdout.startswith("acme  server 0") and
          "\nbeta  server 0" in out.stdout and "2 tenants" in out.stdout,
          f"manydb tenant list: {out.returncode} {out.stdout}{out.stderr}")


def shared_and_missing(port, databases):
    """2. Shared routes without the header, per-tenant ones refused without it, unknown ids."""
    status, answer, data = call(port, "GET", "/users/1")
    check(status == 200 and answer["username"] == "user1", f"GET /users/1: {status} {data}")
    status, _, data = call(port, "GET", "/healthz")
    check(status == 200, f"GET /healthz: {status} {data}")
    for method, path in [("GET", "/products"), ("GET", "/orders/1"), ("GET", "/users/1/orders")]:
        status, answer, data = call(port, method, path)
        check(status == 400 and "X-Tenant" in answer.get("error", ""),
              f"{method} {path} without X-Tenant: {status} {data}")
    before = databases.made()
    status, answer, data = call(port, "GET", "/orders/1", "nobody")
    check(status == 404 and "unknown tenant" in answer.get("error", ""),
          f"GET /orders/1 for a tenant never created: {status} {data}")
    check(not databases.exists("nobody") and databases.made() == before,
          "a request for a tenant never created made something")


def hostile_ids(port, databases):
    """3. Every hostile id is a 400 on every per-tenant route and to the command; none makes
    anything."""
    before = databases.made()
    order = b'{"user_id": 1, "items": [{"product_id": 1, "quantity": 1}]}'
    routes = [("GET", "/products", b""), ("GET", "/products/1", b""), ("GET", "/orders/1", b""),
              ("GET", "/users/1/orders", b""), ("POST", "/orders", order),
              ("POST", "/products/1/reviews", b'{"user_id": 1, "rating": 3}')]
    for tenant in HOSTILE:
        for method, path, body in routes:
            status, data = raw_call(port, method, path, tenant, body)
            try:
                error = json.loads(data).get("error")
            except (ValueError, AttributeError):
                error = None
            check(status == 400 and isinstance(error, str),
                  f"{method} {path} for tenant {tenant[:40]!r}: {status} {data[:200]}")
        out = run(databases, shop, "tenant", "create", tenant.decode())
        check(out.returncode != 0 and "tenant" in out.stderr,
              f"shop tenant create {tenant[:40]!r}: {out.returncode} {out.stdout}{out.stderr}")
    check(databases.made() == before,
          f"hostile ids made {sorted(databases.made() - before)[:5]}")


def post_order(port, tenant, user_id):
    status, answer, data = call(port, "POST", "/orders", tenant, json.dumps(
        {"user_id": user_id, "items": [{"product_id": 2, "quantity": 3}]}))
    check(status == 201, f"POST /orders for {tenant}: {status} {data}")
    return answer["id"] if status == 201 else None


def isolation(port, databases):
    """4. Each tenant's writes are in its own database only."""
    users = {}
    for tenant in ("acme", "beta"):
        status, answer, data = call(port, "POST", "/users", None, json.dumps(
            {"username": f"iso_{tenant}", "email": f"iso_{tenant}@example.org"}))
        check(status == 201, f"POST /users for {tenant}'s buyer: {status} {data}")
        users[tenant] = answer["id"]
    stock = {t: databases.query(t, "SELECT stock FROM product WHERE id = 2")[0][0]
             for t in ("acme", "beta")}
    for tenant, other in (("acme", "beta"), ("beta", "acme")):
        marker = f"only in {tenant} {os.getpid()}"
        post_order(port, tenant, users[tenant])
        status, _, data = call(port, "POST", "/products/1/reviews", tenant, json.dumps(
            {"user_id": users[tenant], "rating": 5, "comment": marker}))
        check(status == 201, f"POST /products/1/reviews for {tenant}: {status} {data}")
        for t, expected in ((tenant, 1), (other, 0)):
            orders = databases.query(t, 'SELECT count(*) FROM "order" WHERE user_id = ?',
                                     (users[tenant],))
            check(int(orders[0][0]) == expected,
                  f"{tenant}'s order: {orders[0][0]} in {t}'s database, expected {expected}")
            reviews = databases.query(t, "SELECT count(*) FROM review WHERE comment = ?", (marker,))
            check(int(reviews[0][0]) == expected,
                  f"{tenant}'s review: {reviews[0][0]} in {t}'s database, expected {expected}")
    for tenant in ("acme", "beta"):
        now = databases.query(tenant, "SELECT stock FROM product WHERE id = 2")[0][0]
        check(int(now) == int(stock[tenant]) - 3,
              f"{tenant}'s stock of product 2: {stock[tenant]} -> {now}, one order of 3")
    status, answer, data = call(port, "GET", f"/users/{users['acme']}/orders", "beta")
    check(status == 200 and answer == [], f"acme's buyer's orders read at beta: {status} {data}")


def dropped(port, databases):
    """5. drop refuses without --yes; with it the tenant is 404 at once here and gone."""
    out = run(databases, shop, "tenant", "drop", "beta")
    check(out.returncode != 0 and "--yes" in out.stdout + out.stderr,
          f"shop tenant drop beta without --yes: {out.returncode} {out.stdout}{out.stderr}")
    status, _, data = call(port, "GET", "/products", "beta")
    check(status == 200, f"beta after a refused drop: {status} {data}")
    out = run(databases, shop, "tenant", "drop", "beta", "--yes")
    check(out.returncode == 0 and "dropped tenant beta" in out.stdout,
          f"shop tenant drop beta --yes: {out.returncode} {out.stdout}{out.stderr}")
    wait_until(lambda: call(port, "GET", "/products", "beta")[0] == 404,
               "the dropped beta to answer 404")
    status, answer, data = call(port, "GET", "/orders/1", "beta")
    check(status == 404 and "unknown tenant" in answer.get("error", ""),
          f"GET /orders/1 for the dropped beta: {status} {data}")
    check(not databases.exists("beta"), "beta's database is still there after the drop")
    status, _, data = call(port, "GET", "/orders/1", "acme")
    check(status == 200, f"acme after beta's drop: {status} {data}")


def without_tenant_binds(work):
    """6. The plain shop.toml has no tenant binds: the commands say so, never crash."""
    out = subprocess.run([shop, "--config", os.path.join(root, "config/shop.toml"), "tenant",
                          "create", "acme"], cwd=work, capture_output=True, text=True,
                         env=shop_test_support.without_database_variables())
    check(out.returncode not in (0, -6, -11) and "no bind is a tenant bind" in out.stderr,
          f"shop tenant create on config/shop.toml: {out.returncode} {out.stderr}")


def main():
    if mode == "servers" and shop_test_support.skipped_without(
            ["MANYDB_TEST_POSTGRES_URL"], "run under scripts/with-db for the PostgreSQL tenants"):
        return 0
    work = tempfile.mkdtemp()
    databases = (PostgresTenants if mode == "servers" else SqliteTenants)(work)
    try:
        out = run(databases, shop, "create-all")  # the shared binds' tables
        check(out.returncode == 0, f"shop create-all: {out.stdout}{out.stderr}")
        server = shop_test_support.ShopServer(shop, databases.config, work, databases.env(),
                                              "--page-views", "off")
        try:
            created_while_serving(server.port, databases)
            shared_and_missing(server.port, databases)
            hostile_ids(server.port, databases)
            isolation(server.port, databases)
            dropped(server.port, databases)
        finally:
            code = server.stop()
            check(code == 0, f"the shop exited with {code} on SIGTERM")
        without_tenant_binds(work)
    finally:
        databases.drop()
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    print(f"the shop's tenants on {mode} checked, {len(failures)} failures")
    return 1 if failures else 0


sys.exit(main())
