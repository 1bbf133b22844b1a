#!/usr/bin/python3
"""The shop's reviews table moved to another database under load (issue 23), as a process.

    move_test.py BUILD_DIR SOURCE_DIR sqlite|servers

sqlite: the reviews move from one SQLite file to another. servers: from PostgreSQL to MariaDB
(the engine tests cover sqlite+postgres), on the scripts/with-db servers under scratch database
names; skipped without that environment unless MANYDB_REQUIRE_ALL_ENGINES=1. The test writes its
own configuration: the shop's binds plus `reviews_new` and [database.moves.review] with
refresh_ms 200.

Client threads (keep-alive connections) post reviews and read the product back, without pause,
through every phase: before `move start`, the start, a backfill SIGKILLed half-way (its output
polled, never slept on) and run again to the end, a verify that must name the range of a row
changed in the target behind its back (and pass once it is restored), the cutover to done, and
after it. Then:
- every response was 2xx, and each GET showed the review its client had just posted;
- after done the source's row count stops growing, and the reviews posted then are in the
  target only, and shown by GET /products/{id};
- every review the clients created is in the target exactly once, with its product, user,
  rating and comment; the target holds seeded + created rows, no id twice;
- the shop process served it all without a restart.
"""
import fcntl
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import http.client

import shop_test_support
from shop_test_support import wait_until

build, root, mode = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
shop = os.path.join(build, "apps/shop/shop")
manydb = os.path.join(build, "tools/manydb/manydb")
PRODUCTS, USERS, SEEDED = 40, 20, 4000
CLIENTS = 4
CRASH_BATCH = 20  # 200 batches: the kill lands half-way (see crash_backfill)
RANGE_ROWS = 500
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
    return ok


def with_database(url, database):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + database, query=""))


CONFIG = """\
[database]
url = "{default}"
pool_size = 16

[database.binds]
users = {{ url = "{users}", pool_size = 16 }}
orders = {{ url = "{orders}", pool_size = 4 }}
reviews = {{ url = "{reviews}", pool_size = 8 }}
reviews_new = {{ url = "{reviews_new}", pool_size = 8 }}
analytics = {{ url = "{analytics}", pool_size = 2 }}

[database.moves.review]
from = "reviews"
to = "reviews_new"
refresh_ms = 200

[analytics]
page_views = false
"""


class SqliteFiles:
    """Every bind a SQLite file under WORK/data."""

    def __init__(self, work):
        os.makedirs(os.path.join(work, "data"))
        self.env = shop_test_support.without_database_variables()
        self.urls = {b: f"sqlite:///data/{b}.db?synchronous=group" for b in
                     ("default", "users", "orders", "reviews", "reviews_new", "analytics")}

    def drop(self):
        pass


class Servers:
    """products, users, orders and reviews on PostgreSQL, reviews_new and analytics on MariaDB,
    as databases of scratch names made here and dropped at the end."""

    def __init__(self, work):
        pg, maria = os.environ["MANYDB_TEST_POSTGRES_URL"], os.environ["MANYDB_TEST_MARIADB_URL"]
        tag = f"mv{os.getpid()}"
        self.servers = {"postgres": pg, "mariadb": maria}
        placement = {"default": pg, "users": pg, "orders": pg, "reviews": pg,
                     "reviews_new": maria, "analytics": maria}
        self.made = [(server, f"{tag}_{bind}") for bind, server in placement.items()]
        for server, name in self.made:
            self.admin(server, f"DROP DATABASE IF EXISTS {name}")
            self.admin(server, f"CREATE DATABASE {name}")
        # The URLs, passwords included, reach the shop through its environment only.
        self.env = shop_test_support.without_database_variables()
        for bind, server in placement.items():
            url = with_database(server, f"{tag}_{bind}")
            self.env["DATABASE_URL" if bind == "default" else f"MANYDB_BIND_{bind.upper()}"] = url
        self.urls = {bind: ("postgresql" if server == pg else "mariadb") +
                     f"://shop@127.0.0.1/{bind}" for bind, server in placement.items()}

    def admin(self, server, sql):
        env = shop_test_support.without_database_variables()
        env["DATABASE_URL"] = server
        subprocess.run([manydb, "sql", sql], env=env, cwd="/", check=True, capture_output=True,
                       timeout=60)

    def drop(self):
        for server, name in self.made:
            try:
                self.admin(server, f"DROP DATABASE IF EXISTS {name}")
            except subprocess.CalledProcessError as e:
                print(f"could not drop {name}: {e.stderr}")


class Shop:
    """The test's configuration and the commands run with it."""

    def __init__(self, work, databases):
        self.work, self.env = work, databases.env
        self.config = os.path.join(work, "move.toml")
        with open(self.config, "w") as f:
            f.write(CONFIG.format(**databases.urls))

    def run(self, *args, program=shop, ok=True):
        done = subprocess.run([program, "--config", self.config, *args], cwd=self.work,
                              env=self.env, capture_output=True, text=True, timeout=120)
        if ok and done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} exited {done.returncode}:\n"
                             f"{done.stdout}{done.stderr}")
        return done

    def sql(self, bind, statement):
        """The rows of `statement` run on `bind` by `manydb sql` (raw SQL: never mirrored by the
        move), each a list of cell texts."""
        out = self.run("sql", "--bind", bind, statement, program=manydb).stdout.splitlines()
        if len(out) < 2 or not out[1].startswith("-"):
            return out  # "N rows affected"
        return [[cell.strip() for cell in line.split(" | ")] for line in out[2:-1]]

    def count(self, bind, where="1 = 1"):
        return int(self.sql(bind, f"SELECT count(*) FROM review WHERE {where}")[0][0])


class Load:
    """CLIENTS threads, each on one keep-alive connection: POST a review, then GET its product
    and find the review there; every other answer is an error."""

    def __init__(self, port):
        self.port = port
        self.lock = threading.Lock()
        self.created = {}  # id -> (product_id, user_id, rating, comment)
        self.begun = {}  # id -> time.monotonic() when its POST was sent
        self.errors = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(n,)) for n in range(CLIENTS)]

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=120)

    def count(self):
        with self.lock:
            return len(self.created)

    def ids(self, begun_after=0):
        """The reviews whose POST was sent after the time.monotonic() `begun_after`."""
        with self.lock:
            return {i for i, begun in self.begun.items() if begun > begun_after}

    def error(self, what):
        with self.lock:
            self.errors.append(what)

    def wait_for_more(self, n, phase):
        """Returns once the clients created n more reviews: the load ran through `phase`."""
        target = self.count() + n
        wait_until(lambda: self.count() >= target or self.stopping.is_set(),
                   f"{n} reviews created {phase}")

    def client(self, number):
        rng = random.Random(number)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        n = 0
        while not self.stopping.is_set():
            n += 1
            review = (rng.randint(1, PRODUCTS), rng.randint(1, USERS), rng.randint(1, 5),
                      f"mv-{number}-{n}")
            try:
                self.post_and_read(conn, review)
            except (OSError, http.client.HTTPException, ValueError, KeyError) as e:
                self.error(f"client {number}: {review}: {type(e).__name__} {e}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.close()

    def post_and_read(self, conn, review):
        product, user, rating, comment = review
        begun = time.monotonic()
        conn.request("POST", f"/products/{product}/reviews",
                     json.dumps({"user_id": user, "rating": rating, "comment": comment}),
                     {"Content-Type": "application/json"})
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
        if response.status != 201:
            return self.error(f"POST {review}: {response.status} {body}")
        review_id = json.loads(body)["id"]
        with self.lock:
            if review_id in self.created:
                self.errors.append(f"POST {review} answered id {review_id} a second time")
            self.created[review_id] = review
            self.begun[review_id] = begun
        conn.request("GET", f"/products/{product}")
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
        if response.status != 200:
            return self.error(f"GET /products/{product}: {response.status} {body[:300]}")
        shown = json.loads(body)
        if shown["reviews_unavailable"]:
            return self.error(f"GET /products/{product}: reviews unavailable")
        mine = [r for r in shown["reviews"] if r["id"] == review_id]
        if [(r["user_id"], r["rating"], r["comment"]) for r in mine] != [(user, rating, comment)]:
            self.error(f"GET /products/{product} right after posting review {review_id} "
                       f"{review} shows {mine}")


PROGRESS = re.compile(r"^\d+% (\d+)/(\d+) rows .*\(resume key (\S*)\)$")
STATUS = re.compile(r"phase (\S+)  rows copied (\d+)  resume key (\S+)")


def move_status(s):
    out = s.run("move", "status").stdout
    m = STATUS.search(out)
    return (m.group(1), int(m.group(2)), m.group(3), out) if m else (None, 0, None, out)


def crash_backfill(s, load):
    """`move backfill` SIGKILLed once its output shows some rows copied, then run to the end.

    Its stdout is a pipe shrunk to one page, which this test stops reading at the line it
    waits for: the backfill blocks on its next writes, a few dozen batches on, so it cannot
    reach the end of its 200 batches before the kill."""
    backfill = subprocess.Popen([shop, "--config", s.config, "move", "backfill", "review",
                                 "--batch", str(CRASH_BATCH)], cwd=s.work, env=s.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    fcntl.fcntl(backfill.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)
    seen, pending = None, b""
    deadline = time.monotonic() + 60
    while seen is None and time.monotonic() < deadline:
        ready, _, _ = select.select([backfill.stdout], [], [], 1)
        if not ready:
            continue
        chunk = os.read(backfill.stdout.fileno(), 4096)
        if not chunk:
            break  # it exited
        pending += chunk
        while b"\n" in pending and seen is None:
            line, pending = pending.split(b"\n", 1)
            m = PROGRESS.match(line.decode())
            if m and 0 < int(m.group(1)) < int(m.group(2)):
                seen = int(m.group(1))
    backfill.send_signal(signal.SIGKILL)
    code = backfill.wait(timeout=60)
    errors = backfill.stderr.read().decode(errors="replace")
    if seen is None or code != -signal.SIGKILL:
        raise SystemExit(f"the backfill was not killed half-way: exit {code}, "
                         f"output {pending!r} {errors}")
    load.wait_for_more(30, "after the backfill was killed")

    phase, copied, resume, out = move_status(s)
    check(phase == "dual_write" and copied >= seen and resume not in (None, "(none)") and
          "backfill finished" not in out,
          f"move status after the kill (the output showed {seen} rows copied):\n{out}")
    out = s.run("move", "backfill", "review", "--batch", "500").stdout
    first = PROGRESS.match(out.splitlines()[0]) if out else None
    check(first is not None and int(first.group(3)) > int(resume) and
          int(first.group(1)) > copied, f"the backfill did not resume after key {resume}:\n{out}")
    check(out.rstrip().endswith("backfill finished; next: move verify"),
          f"the second backfill did not finish:\n{out}")
    phase, _, _, out = move_status(s)
    check(phase == "dual_write" and "backfill finished" in out, f"move status:\n{out}")


def verify_catches_a_change(s, load):
    """A seeded review changed in the target alone: verify names its range and fails; restored,
    verify passes."""
    key = SEEDED // 2 + 7
    rating = int(s.sql("reviews_new", f"SELECT rating FROM review WHERE id = {key}")[0][0])
    s.sql("reviews_new", f"UPDATE review SET rating = {rating % 5 + 1} WHERE id = {key}")
    done = s.run("move", "verify", "review", "--range-rows", str(RANGE_ROWS), ok=False)
    ranges = [(int(a), int(b)) for a, b in
              re.findall(r"^keys (\d+)\.\.(\d+): checksums differ$", done.stdout, re.M)]
    check(done.returncode == 1 and len(ranges) == 1 and ranges[0][0] <= key <= ranges[0][1] and
          "1 differ" in done.stdout,
          f"verify after review {key} changed in the target: exit {done.returncode}\n"
          f"{done.stdout}{done.stderr}")
    load.wait_for_more(30, "between the verifies")
    s.sql("reviews_new", f"UPDATE review SET rating = {rating} WHERE id = {key}")
    done = s.run("move", "verify", "review", "--range-rows", str(RANGE_ROWS), ok=False)
    check(done.returncode == 0 and ", 0 differ" in done.stdout,
          f"verify after the row was restored: exit {done.returncode}\n{done.stdout}{done.stderr}")


def after_done(s, load):
    """The source stops growing once every process follows `done` (within refresh_ms: polled),
    and what is posted from then on is in the target only, and read from there."""
    deadline = time.monotonic() + 30
    while True:
        before = s.count("reviews")
        load.wait_for_more(30, "after done")
        if s.count("reviews") == before:
            break
        if time.monotonic() > deadline:
            raise SystemExit("the source's review count still grows after the cutover")
    followed = time.monotonic()  # the shop writes the target only: a POST begun now must too
    load.wait_for_more(30, "once the shop follows done")
    check(s.count("reviews") == before, "the source's review count grew again after done")
    new = sorted(load.ids(begun_after=followed))
    listed = ", ".join(map(str, new))
    check(s.count("reviews", f"id IN ({listed})") == 0,
          f"reviews posted after done reached the source: {listed}")
    check(s.count("reviews_new", f"id IN ({listed})") == len(new),
          f"reviews posted after done are missing from the target: {listed}")
    with load.lock:
        product = load.created[new[-1]][0]
    status, body, _ = shop_test_support.call(load.port, "GET", f"/products/{product}")
    check(status == 200 and new[-1] in [r["id"] for r in json.loads(body)["reviews"]],
          f"GET /products/{product} does not show review {new[-1]}, in the target only: "
          f"{status} {body[:300]}")


def invariants(s, load):
    rows = s.sql("reviews_new", "SELECT id, product_id, user_id, rating, comment FROM review "
                 "WHERE comment LIKE 'mv-%'")
    found = {}
    for row in rows:
        found.setdefault(int(row[0]), []).append((int(row[1]), int(row[2]), int(row[3]), row[4]))
    with load.lock:
        created = dict(load.created)
    lost = [i for i in created if i not in found]
    check(not lost, f"{len(lost)} created reviews are missing from the target: {lost[:20]}")
    wrong = [(i, created[i], found[i]) for i in created if i in found and found[i] != [created[i]]]
    check(not wrong, f"reviews that differ in the target: {wrong[:20]}")
    extra = [i for i in found if i not in created]
    check(not extra, f"the target holds client reviews no client created: {extra[:20]}")
    comments = [r[4] for r in rows]
    check(len(comments) == len(set(comments)), "a review's comment is in the target twice")
    total, distinct = (int(c) for c in
                       s.sql("reviews_new", "SELECT count(*), count(DISTINCT id) FROM review")[0])
    check(total == distinct == SEEDED + len(created),
          f"the target holds {total} reviews ({distinct} ids), not {SEEDED} seeded + "
          f"{len(created)} created")


def exercise(databases, work):
    s = Shop(work, databases)
    s.run("seed", "--products", str(PRODUCTS), "--users", str(USERS), "--orders", "10",
          "--reviews", str(SEEDED))
    server = shop_test_support.ShopServer(shop, s.config, work, s.env)
    load = Load(server.port)
    load.start()
    try:
        load.wait_for_more(30, "before the move")
        out = s.run("move", "start", "review").stdout
        check(out == "review: phase dual_write; next: move backfill\n", f"move start:\n{out}")
        load.wait_for_more(30, "in dual_write")
        crash_backfill(s, load)
        load.wait_for_more(30, "after the backfill")
        verify_catches_a_change(s, load)
        load.wait_for_more(30, "after the verify")
        out = s.run("move", "cutover", "review").stdout
        check(out.startswith("review: phase done;"), f"move cutover:\n{out}")
        check(move_status(s)[0] == "done", "move status after the cutover is not done")
        after_done(s, load)
    finally:
        load.stop()
        alive = server.process.poll() is None
        code = server.stop()
    check(alive and code == 0, f"the shop did not serve to the end (exit {code}):\n"
          f"{server.text()[-2000:]}")
    if not check(not load.errors,
                 f"{len(load.errors)} failed requests:\n" + "\n".join(load.errors[:20])):
        logged = [line for line in server.text().splitlines() if '"level":"info"' not in line]
        failures.append("the shop's log, but for info lines:\n" + "\n".join(logged[-30:]))
    invariants(s, load)
    print(f"{len(load.created)} reviews created during the move")


def main():
    if mode == "servers" and shop_test_support.skipped_without(
            ["MANYDB_TEST_POSTGRES_URL", "MANYDB_TEST_MARIADB_URL"],
            "no database servers (run through scripts/with-db)"):
        return
    work = tempfile.mkdtemp(prefix="manydb-shop-move-")
    databases = Servers(work) if mode == "servers" else SqliteFiles(work)
    try:
        exercise(databases, work)
    finally:
        databases.drop()
        shutil.rmtree(work, ignore_errors=True)


try:
    main()
except SystemExit as stopped:  # a step that could not go on: report what failed before it too
    if stopped.code not in (None, 0):
        failures.append(str(stopped.code))
if failures:
    print("\n".join(failures))
    sys.exit(1)
print("ok")
