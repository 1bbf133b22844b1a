#!/usr/bin/python3
"""The shop's tables from its migrations (apps/shop/migrations, issue 23), as a process.

    migrate_test.py BUILD_DIR SOURCE_DIR sqlite|servers

sqlite: config/shop.toml in a scratch folder. servers: config/shop-servers.toml on the
PostgreSQL and MariaDB servers of scripts/with-db, under scratch database names; skipped without
that environment unless MANYDB_REQUIRE_ALL_ENGINES=1.
1. `shop migrate up --to 1` on fresh databases makes every bind's tables: `shop check-schema`
   then finds them as the models say but for the orders index that step 0002 adds, and
   `shop revision --bind orders` writes that index as a step of its own; `migrate status` shows
   0002 of orders pending.
2. The shop seeds and serves; while it serves, `shop migrate up` applies 0002 (an index on
   order.created_at): `shop inspect` shows the index, the shop keeps answering (an order posted
   after it is read back), a second `migrate up` has nothing to do, `check-schema` finds every
   bind as the models say and `revision` has no changes to write.
3. `shop migrate down --bind orders` drops the index again, and the shop still serves.
4. sqlite only: a data/ that create-all made before migrations (and before the model had the
   index) adopts them: `migrate up` applies 0001 over the tables, keeping their rows, then 0002.
5. sqlite only, config/shop-tenants.toml: after `shop tenant create acme`, `shop migrate up
   --all-tenants` migrates the tenant binds (default, orders, reviews: one file, each bind with
   its own history in it) in acme's database, and `--tenant acme` status shows them applied;
   `revision --bind orders --tenant acme` compares with acme's database.
"""
import json
import os
import sqlite3
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

import shop_test_support

build, root, mode = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
shop = os.path.join(build, "apps/shop/shop")
manydb = os.path.join(build, "tools/manydb/manydb")
migrations = os.path.join(root, "apps/shop/migrations")
failures = []
BINDS = ("default", "users", "orders", "reviews", "analytics")


def check(ok, what):
    if not ok:
        failures.append(what)


def with_database(url, database):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + database, query=""))


def run(env, cwd, program, *args, ok=True):
    done = subprocess.run([program, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    if ok and done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


class Servers:
    """config/shop-servers.toml with the shop's four PostgreSQL databases and its MariaDB one
    made under scratch names on the scripts/with-db servers."""

    def __init__(self, work):
        pg, maria = os.environ["MANYDB_TEST_POSTGRES_URL"], os.environ["MANYDB_TEST_MARIADB_URL"]
        tag = f"mig{os.getpid()}"
        self.made = [(pg, f"{tag}_{b}") for b in BINDS[:4]] + [(maria, f"{tag}_analytics")]
        for server, name in self.made:
            self.admin(server, f"CREATE DATABASE {name}")
        self.env = shop_test_support.without_database_variables()
        self.env.update(DATABASE_URL=with_database(pg, f"{tag}_default"),
                        MANYDB_BIND_USERS=with_database(pg, f"{tag}_users"),
                        MANYDB_BIND_ORDERS=with_database(pg, f"{tag}_orders"),
                        MANYDB_BIND_REVIEWS=with_database(pg, f"{tag}_reviews"),
                        MANYDB_BIND_ANALYTICS=with_database(maria, f"{tag}_analytics"))
        self.config = os.path.join(root, "config/shop-servers.toml")

    def admin(self, server, sql):
        env = shop_test_support.without_database_variables()
        env["DATABASE_URL"] = server
        run(env, "/", manydb, "sql", sql)

    def drop(self):
        for server, name in self.made:
            self.admin(server, f"DROP DATABASE IF EXISTS {name}")


class Sqlite:
    def __init__(self, work):
        self.env = shop_test_support.without_database_variables()
        self.config = os.path.join(root, "config/shop.toml")
        os.makedirs(os.path.join(work, "data"))

    def drop(self):
        pass


def main():
    if mode == "servers" and shop_test_support.skipped_without(
            ["MANYDB_TEST_POSTGRES_URL", "MANYDB_TEST_MARIADB_URL"],
            "no database servers (run through scripts/with-db)"):
        return
    work = tempfile.mkdtemp(prefix="manydb-shop-migrate-")
    databases = Servers(work) if mode == "servers" else Sqlite(work)
    try:
        exercise(databases, work)
        if mode == "sqlite":
            exercise_adoption(os.path.join(work, "adopt"))
            exercise_tenants(work)
    finally:
        databases.drop()
        shutil.rmtree(work, ignore_errors=True)


def shop_cmd(databases, work, *args, ok=True):
    return run(databases.env, work, shop, "--config", databases.config, *args, ok=ok)


def exercise(databases, work):
    def migrate(*args):
        return shop_cmd(databases, work, "migrate", *args, "--dir", migrations)

    out = migrate("up", "--to", "1")
    for bind in BINDS:
        check(f"bind {bind}: applied 0001\n" in out, f"up --to 1 did not apply {bind}'s 0001:\n{out}")
    out = shop_cmd(databases, work, "check-schema", ok=False)
    check(out.startswith("orders: order: missing index (ix_order_created_at (created_at)") and
          out.count("\n") == 1, f"0001 differs from the models by more than 0002:\n{out}")
    revisions = os.path.join(work, "revisions")
    out = shop_cmd(databases, work, "revision", "--bind", "orders", "add index on created_at",
                   "--dir", revisions)
    step = os.path.join(revisions, "orders", "0001_add_index_on_created_at.sql")
    check(out == f"wrote {step}\n", f"revision --bind orders:\n{out}")
    text = open(step).read() if os.path.exists(step) else ""
    check("CREATE INDEX IF NOT EXISTS" in text and "ix_order_created_at" in text and
          "DROP INDEX IF EXISTS" in text, f"the revision of the orders index:\n{text}")
    status = migrate("status", "--bind", "orders")
    check("0001 create_tables  applied" in status and "0002 order_created_at_index  pending" in
          status, f"status after up --to 1:\n{status}")

    shop_cmd(databases, work, "seed", "--products", "20", "--users", "5", "--orders", "10",
             "--reviews", "5")
    server = shop_test_support.ShopServer(shop, databases.config, work, databases.env)
    try:
        out = migrate("up")
        check(out.count("applied") == 1 and "bind orders: applied 0002\n" in out,
              f"up on the live shop:\n{out}")
        check("index ix_order_created_at (created_at)" in
              shop_cmd(databases, work, "inspect", "--bind", "orders"), "no index after 0002")
        check("bind orders: up to date" in migrate("up"), "a second up found work")
        out = shop_cmd(databases, work, "check-schema")
        check("every bind matches the models" in out, f"after 0002:\n{out}")
        out = shop_cmd(databases, work, "revision", "--bind", "orders", "nothing", "--dir",
                       revisions)
        check(out == "no changes for bind orders\n", f"revision after 0002:\n{out}")
        status, body, _ = shop_test_support.call(
            server.port, "POST", "/orders",
            json.dumps({"user_id": 1, "items": [{"product_id": 1, "quantity": 1}]}))
        check(status == 201, f"POST /orders after the migration: {status} {body}")
        if status == 201:
            order = json.loads(body)["id"]
            status, body, _ = shop_test_support.call(server.port, "GET", f"/orders/{order}")
            check(status == 200, f"GET /orders/{order} after the migration: {status} {body}")
        out = migrate("down", "--bind", "orders")
        check(out == "bind orders: undid 0002\n", f"down --bind orders:\n{out}")
        check("ix_order_created_at" not in shop_cmd(databases, work, "inspect", "--bind", "orders"),
              "the index is still there after down")
        status, body, _ = shop_test_support.call(server.port, "GET", "/products/1")
        check(status == 200, f"GET /products/1 after down: {status} {body}")
    finally:
        server.stop()


def exercise_adoption(cwd):
    """A data/ that `create-all` and `seed` made, before the orders model had its created_at
    index (dropped here to make it so), adopts the migrations: 0001's IF NOT EXISTS keeps the
    tables and rows, 0002 adds the index."""
    old = Sqlite(cwd)
    shop_cmd(old, cwd, "seed", "--products", "5", "--users", "3", "--orders", "7", "--reviews", "2")
    orders = os.path.join(cwd, "data", "orders.db")
    with sqlite3.connect(orders) as c:
        c.execute('DROP INDEX "ix_order_created_at"')
    out = shop_cmd(old, cwd, "migrate", "up", "--dir", migrations)
    check("bind orders: applied 0001, 0002\n" in out and "bind users: applied 0001\n" in out,
          f"up on a create-all data/:\n{out}")
    check("every bind matches the models" in shop_cmd(old, cwd, "check-schema"),
          "a create-all data/ differs from the models after migrate up")
    with sqlite3.connect(orders) as c:
        count = c.execute('SELECT count(*) FROM "order"').fetchone()[0]
    check(count == 7, f"the adopted orders bind holds {count} orders, not the 7 seeded")


def exercise_tenants(work):
    tenants = Sqlite(os.path.join(work, "tenants"))
    tenants.config = os.path.join(root, "config/shop-tenants.toml")
    cwd = os.path.join(work, "tenants")
    shop_cmd(tenants, cwd, "tenant", "create", "acme")
    out = shop_cmd(tenants, cwd, "migrate", "up", "--all-tenants", "--dir", migrations)
    for bind in ("default", "orders", "reviews"):
        check(f"bind {bind} of tenant acme: applied 0001" in out,
              f"up --all-tenants did not migrate {bind} in acme:\n{out}")
    check("bind orders of tenant acme: applied 0001, 0002" in out, f"orders in acme:\n{out}")
    check("bind users" not in out, f"--all-tenants migrated a shared bind:\n{out}")
    status = shop_cmd(tenants, cwd, "migrate", "status", "--tenant", "acme", "--bind", "orders",
                      "--dir", migrations)
    check("0002 order_created_at_index  applied" in status, f"status --tenant acme:\n{status}")
    out = shop_cmd(tenants, cwd, "revision", "--bind", "orders", "--tenant", "acme", "x", "--dir",
                   os.path.join(work, "tenant-revisions"))
    check(out == "no changes for bind orders\n", f"revision --tenant acme:\n{out}")
    out = shop_cmd(tenants, cwd, "migrate", "up", "--dir", migrations)
    check("bind orders is a tenant bind: pass --tenant ID or --all-tenants" in out,
          f"up without --tenant on a tenant bind:\n{out}")


main()
if failures:
    print("\n".join(failures))
    sys.exit(1)
print("ok")
