#!/usr/bin/python3
"""The shop on config/shop-replicas.toml: users, orders and products read from the PostgreSQL
streaming replica of scripts/db-up (the environment of scripts/with-db).

    replicas_test.py BUILD_DIR SOURCE_DIR

The shop runs on scratch databases of its own (<db>_rt<pid> on the primary, which the replica
replays; analytics on a SQLite file), seeded by `shop seed`.
1. /healthz lists the three replicas with state ok and a lag, and no URL or password;
   `manydb ping` lists them too.
2. Every write answers with an X-Consistency-Token naming the binds it wrote (POST /users,
   POST /orders); POST /products/{id}/reviews, whose reviews bind has no replica, answers with
   the token it was sent, and without one when sent none; a token sent back is carried into
   the next one.
3. With replay paused on the replica, 20 times: POST /orders, then GET /users/{id}/orders and
   GET /orders/{id} WITH its token show the new order, and the same GETs WITHOUT it do not
   (the replica has not replayed it: what the token is for). Replay is resumed in a finally.
4. Tokens that are not tokens (random bytes, too long, `users=zz`, an unknown bind, a bind
   twice...) are a 400 with a JSON error on every route that reads the database, GET and POST,
   never a 500; a POST /users refused so has written nothing.
5. The same servers with every *_REPLICAS variable empty: no replica listed, no token header.
Skipped without the replica's environment, unless MANYDB_REQUIRE_ALL_ENGINES=1.
"""
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse

import shop_test_support
from shop_test_support import wait_until

build, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
shop = os.path.join(build, "apps/shop/shop")
manydb = os.path.join(build, "tools/manydb/manydb")
PSQL = "/usr/lib/postgresql/15/bin/psql"
PG_DATABASES = {"DATABASE_URL": "products", "MANYDB_BIND_USERS": "users",
                "MANYDB_BIND_ORDERS": "orders", "MANYDB_BIND_REVIEWS": "reviews"}
REPLICA_VARIABLES = {"DATABASE_URL": "DATABASE_REPLICAS",
                     "MANYDB_BIND_USERS": "MANYDB_BIND_USERS_REPLICAS",
                     "MANYDB_BIND_ORDERS": "MANYDB_BIND_ORDERS_REPLICAS"}
REPLICAS = {"default/replica1", "users/replica1", "orders/replica1"}
TOKEN = "X-Consistency-Token"
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def call(port, method, path, body=None, token=None):
    """(status, body, the response's X-Consistency-Token or None)."""
    status, data, response = shop_test_support.call(
        port, method, path, body, headers={TOKEN: token} if token is not None else None)
    return status, data, response.getheader(TOKEN)


def raw_call(port, method, path, header_value, body=b""):
    """A request whose token header holds any bytes (http.client refuses some): (status, body)."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head + TOKEN.encode() + b": " + header_value + b"\r\n\r\n" + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, data = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), data.decode(errors="replace")


def with_database(url, database):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + database, query=""))


def psql(url, sql):
    out = subprocess.run([PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         check=True, capture_output=True, text=True,
                         env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"))
    return out.stdout.strip()


def answers(url):
    try:
        psql(url, "SELECT 1")
        return True
    except subprocess.CalledProcessError:
        return False


class Databases:
    """The scratch databases: PostgreSQL ones made on the primary (the replica replays them),
    analytics a SQLite file; env() points the shop's variables at them."""

    def __init__(self, work):
        self.suffix = f"_rt{os.getpid()}"
        self.primary = os.environ["DATABASE_URL"]
        self.replica = os.environ["DATABASE_REPLICAS"].split(",")[0]
        self.names = [db + self.suffix for db in PG_DATABASES.values()]
        self.admin = with_database(self.primary, "postgres")
        for name in self.names:
            psql(self.admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            psql(self.admin, f'CREATE DATABASE "{name}"')
        for name in self.names:
            wait_until(lambda: answers(with_database(self.replica, name)),
                       f"the replica to have database {name}")
        self.analytics = f"sqlite:///{work}/analytics.db"

    def env(self, replicas=True):
        env = shop_test_support.without_database_variables()
        for variable, db in PG_DATABASES.items():
            env[variable] = with_database(self.primary, db + self.suffix)
            if variable in REPLICA_VARIABLES:
                env[REPLICA_VARIABLES[variable]] = (
                    with_database(self.replica, db + self.suffix) if replicas else "")
        env["MANYDB_BIND_ANALYTICS"] = self.analytics
        return env

    def replica_caught_up(self):
        """Waits until the replica has replayed everything the primary wrote until now."""
        target = psql(self.admin, "SELECT pg_current_wal_lsn()")
        replica = with_database(self.replica, self.names[0])
        wait_until(lambda: psql(replica, f"SELECT pg_last_wal_replay_lsn() >= '{target}'") == "t",
                   "the replica to replay the seed")

    def replica_sql(self, sql):
        return psql(with_database(self.replica, self.names[1]), sql)

    def drop(self):
        for name in self.names:
            try:
                psql(self.admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except subprocess.CalledProcessError as e:
                print(f"could not drop {name}: {e.stderr}")


class Shop(shop_test_support.ShopServer):
    def __init__(self, config, cwd, env):
        super().__init__(shop, config, cwd, env, "--page-views", "off")

    def stop(self):
        code = super().stop()
        check(code == 0, f"the shop exited with {code} on SIGTERM")


def test_config(work):
    """config/shop-replicas.toml with max_lag_ms raised: with replay paused, the replica's lag
    grows, and past max_lag_ms its reads would go to the primary, which the stale reads below
    must not do however slowly this machine runs them."""
    with open(os.path.join(root, "config/shop-replicas.toml")) as f:
        text = f.read()
    check("max_lag_ms = 5000" in text, "config/shop-replicas.toml no longer sets max_lag_ms = 5000")
    path = os.path.join(work, "shop-replicas.toml")
    with open(path, "w") as f:
        f.write(text.replace("max_lag_ms = 5000", "max_lag_ms = 3600000"))
    return path


def health(port):
    status, body, _ = call(port, "GET", "/healthz")
    check(status == 200, f"/healthz answered {status}: {body}")
    return body, json.loads(body)


def replicas_listed(port):
    """1. /healthz lists each replica, ok with a lag once the monitor has seen it."""
    def all_ok():
        _, report = health(port)
        return all(r["state"] == "ok" for r in report["replicas"])
    wait_until(all_ok, "every replica to be ok in /healthz", timeout=30)
    body, report = health(port)
    check({r["name"] for r in report["replicas"]} == REPLICAS, f"replicas {report['replicas']}")
    for r in report["replicas"]:
        check(r["bind"] == r["name"].split("/")[0], f"replica {r['name']} of bind {r['bind']}")
        check(isinstance(r["lag_ms"], int) and r["lag_ms"] >= 0, f"{r['name']}: lag {r['lag_ms']}")
    check(report["replica_status"] == "ok" and report["status"] == "ok", f"/healthz: {report}")
    secret = shop_test_support.test_server_passwords(root)
    check(all(p not in body for p in secret.values()), "the password appears in /healthz")
    check("postgresql://" not in body, "a URL appears in /healthz")


def ping_lists_replicas(config, env, work):
    out = subprocess.run([manydb, "--config", config, "ping"], cwd=work, env=env,
                         capture_output=True, text=True)
    check(out.returncode == 0, f"manydb ping exited {out.returncode}:\n{out.stdout}{out.stderr}")
    for name in REPLICAS:
        check(any(line.startswith(name + " ") and " ok " in line and "lag " in line
                  for line in out.stdout.splitlines()),
              f"manydb ping does not list {name} as ok with a lag:\n{out.stdout}")


def bind_names(token):
    return {part.split("=", 1)[0] for part in token.split(";")} if token else set()


def writes_answer_tokens(port):
    """2. The token of each write, and a token carried into the next write's."""
    status, body, user_token = call(port, "POST", "/users",
                                    json.dumps({"username": "rt_one", "email": "rt1@example.org"}))
    check(status == 201, f"POST /users answered {status}: {body}")
    check(bind_names(user_token) == {"users"}, f"POST /users gave the token {user_token!r}")
    user_id = json.loads(body)["id"]
    order = json.dumps({"user_id": user_id, "items": [{"product_id": 1, "quantity": 1}]})
    status, body, order_token = call(port, "POST", "/orders", order)
    check(status == 201, f"POST /orders answered {status}: {body}")
    check(bind_names(order_token) == {"default", "orders"},
          f"POST /orders gave the token {order_token!r}")
    status, body, carried = call(port, "POST", "/orders", order, token=user_token)
    check(status == 201 and bind_names(carried) == {"default", "orders", "users"},
          f"POST /orders with the users token: {status}, token {carried!r}")
    review = json.dumps({"user_id": user_id, "rating": 4})
    status, _, none = call(port, "POST", "/products/1/reviews", review)
    check(status == 201 and none is None,
          f"POST /products/1/reviews without a token: {status}, token {none!r}")
    status, _, kept = call(port, "POST", "/products/1/reviews", review, token=carried)
    check(status == 201 and kept == carried,
          f"POST /products/1/reviews with a token answered {status}, token {kept!r}")


def order_ids(port, user_id, token):
    status, body, _ = call(port, "GET", f"/users/{user_id}/orders", token=token)
    check(status == 200, f"GET /users/{user_id}/orders answered {status}: {body}")
    return {o["id"] for o in json.loads(body)} if status == 200 else set()


def tokens_matter(port, databases):
    """3. Replay paused: with the token the new order shows, without it it does not."""
    databases.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        wait_until(lambda: databases.replica_sql("SELECT pg_get_wal_replay_pause_state()")
                   == "paused", "replay to pause")
        order = json.dumps({"user_id": 1, "items": [{"product_id": 2, "quantity": 1}]})
        for i in range(20):
            status, body, token = call(port, "POST", "/orders", order)
            check(status == 201 and token, f"round {i}: POST /orders {status} {token!r}: {body}")
            if status != 201 or not token:
                return
            order_id = json.loads(body)["id"]
            check(order_id in order_ids(port, 1, token),
                  f"round {i}: GET /users/1/orders with the token misses order {order_id}")
            check(order_id not in order_ids(port, 1, None),
                  f"round {i}: GET /users/1/orders without a token shows order {order_id}, "
                  "which the paused replica has not replayed")
            status, _, _ = call(port, "GET", f"/orders/{order_id}", token=token)
            check(status == 200, f"round {i}: GET /orders/{order_id} with the token: {status}")
            status, _, _ = call(port, "GET", f"/orders/{order_id}")
            check(status == 404, f"round {i}: GET /orders/{order_id} without a token: {status}")
    finally:
        databases.replica_sql("SELECT pg_wal_replay_resume()")


def garbage_tokens():
    rng = random.Random(21)
    printable = [rng.choice("abcdefghijklmnopqrstuvwxyz0123456789=;/-, !\"#$%&'()*+.:<>?@[]^_{|}~")
                 for _ in range(64)]
    values = [b"users=zz", b"nobind=0/1", b"a=b;a=b", b"users=0/1;users=0/2", b"users=0/1;",
              b";", b"=", b"=0/1", b"users=", b"Users=0/1", b"x" * 5000,
              b"users=" + b"0" * 600, "".join(printable).encode(), "users=0/1\u00e9".encode()]
    for _ in range(10):  # random bytes a header value may hold: no control characters
        values.append(bytes(rng.choice([*range(0x20, 0x7f), *range(0x80, 0x100)])
                            for _ in range(rng.randint(1, 300))).strip() or b"?")
    return values


def garbage_is_refused(port):
    """4. Every route that reads the database, GET and POST, answers 400 JSON."""
    routes = [("GET", "/products", b""), ("GET", "/products/1", b""), ("GET", "/users/1", b""),
              ("GET", "/users/1/orders", b""), ("GET", "/orders/1", b""),
              ("GET", "/analytics/pages", b""),
              ("POST", "/orders", b'{"user_id": 1, "items": [{"product_id": 1, "quantity": 1}]}'),
              ("POST", "/users", b'{"username": "rt_refused", "email": "refused@example.org"}'),
              ("POST", "/products/1/reviews", b'{"user_id": 1, "rating": 3}')]
    for value in garbage_tokens():
        for method, path, body in routes:
            status, data = raw_call(port, method, path, value, body)
            try:
                answer = json.loads(data)
            except ValueError:
                answer = None
            error = answer.get("error") if isinstance(answer, dict) else None
            check(status == 400 and isinstance(error, str),
                  f"{method} {path} with token {value[:60]!r}: {status} {data[:200]}")
    # The refused POST /users wrote nothing: the name is still free.
    status, body, _ = call(port, "POST", "/users",
                           json.dumps({"username": "rt_refused", "email": "refused@example.org"}))
    check(status == 201, f"a POST /users refused for its token had written: {status} {body}")


def without_replicas(config, work, databases):
    """5. No replica configured: none listed, no token header."""
    server = Shop(config, work, databases.env(replicas=False))
    try:
        _, report = health(server.port)
        check(report["replicas"] == [] and report["replica_status"] == "ok",
              f"/healthz without replicas: {report}")
        status, _, token = call(server.port, "POST", "/users",
                                json.dumps({"username": "rt_plain", "email": "plain@example.org"}))
        check(status == 201 and token is None, f"POST /users without replicas: {status} {token!r}")
    finally:
        server.stop()


def main():
    if shop_test_support.skipped_without(
            ["DATABASE_REPLICAS", "MANYDB_BIND_USERS_REPLICAS"],
            "run under scripts/with-db, whose db-up starts the replicas"):
        return 0
    work = tempfile.mkdtemp()
    databases = Databases(work)
    try:
        config = test_config(work)
        env = databases.env()
        subprocess.run([shop, "--config", config, "seed", "--products", "5", "--users", "3",
                        "--orders", "2", "--reviews", "1"], cwd=work, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        databases.replica_caught_up()
        server = Shop(config, work, env)
        try:
            replicas_listed(server.port)
            ping_lists_replicas(config, env, work)
            writes_answer_tokens(server.port)
            tokens_matter(server.port, databases)
            garbage_is_refused(server.port)
        finally:
            server.stop()
        without_replicas(config, work, databases)
    finally:
        databases.drop()
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    print(f"the shop on read replicas checked, {len(failures)} failures")
    return 1 if failures else 0


sys.exit(main())
