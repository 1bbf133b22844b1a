"""What the Python tests of the real shop share (they import it from beside themselves)."""
import http.client
import os
import re
import signal
import subprocess
import time


def test_server_passwords(root):
    """{"DB_PASSWORD": ..., "DB_PASSWORD_URL": ...}: the test servers' password, raw and as it
    stands in a URL, from scripts/lib-db.sh, for the tests that prove it is shown nowhere."""
    found = {}
    with open(os.path.join(root, "scripts/lib-db.sh")) as f:
        for line in f:
            m = re.match(r"(DB_PASSWORD(?:_URL)?)='([^']*)'", line)
            if m:
                found[m.group(1)] = m.group(2)
    if len(found) != 2:
        raise SystemExit("no DB_PASSWORD / DB_PASSWORD_URL in scripts/lib-db.sh")
    return found


# What scripts/db-up puts in the environment for the servers' binds: the shop under test must
# not see it unless the test means it to (a SQLite default bind given DATABASE_REPLICAS' PostgreSQL
# replica refuses to start).
DATABASE_VARIABLES = ("DATABASE_URL", "DATABASE_REPLICAS")


def is_database_variable(name):
    return name in DATABASE_VARIABLES or name.startswith("MANYDB_BIND_")


def without_database_variables(environ=None):
    """The environment (os.environ by default) without DATABASE_URL, DATABASE_REPLICAS and
    MANYDB_BIND_*."""
    return {k: v for k, v in (os.environ if environ is None else environ).items()
            if not is_database_variable(k)}


def call(port, method, path, body=None, headers=None, timeout=30):
    """One request on a connection of its own: (status, body as text, the response)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    sent = {"Content-Type": "application/json"} if body is not None else {}
    sent.update(headers or {})
    conn.request(method, path, body=body, headers=sent)
    response = conn.getresponse()
    data = response.read().decode(errors="replace")
    conn.close()
    return response.status, data, response


def call_with_type(port, method, path, body=None):
    """call(), with the response's Content-Type in place of the response."""
    status, data, response = call(port, method, path, body)
    return status, data, response.getheader("Content-Type")


class ShopServer:
    """`shop --config CONFIG serve --port 0 ARGS...` with its stderr in CWD/shop.log, started once
    it listens (its first line of output names the port)."""

    def __init__(self, shop, config, cwd, env, *args):
        self.log_path = os.path.join(cwd, "shop.log")
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen([shop, "--config", config, "serve", "--port", "0", *args],
                                        cwd=cwd, env=env, stdout=subprocess.PIPE,
                                        stderr=self.log_file, text=True)
        line = self.process.stdout.readline()  # blocks until it listens, or exits
        if not line.startswith("listening on "):
            self.stop()
            raise SystemExit(f"shop serve did not start: {line!r}\n{self.text()}")
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self):
        """SIGTERM, then its exit code."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        self.log_file.close()
        return code

    def text(self):
        with open(self.log_path) as f:
            return f.read()


def skipped_without(variables, skipping):
    """True when one of the environment `variables` (the test servers', set by scripts/with-db)
    is unset: the test prints "SKIPPING: <skipping>" and is skipped, unless
    MANYDB_REQUIRE_ALL_ENGINES=1, when it fails naming them."""
    missing = [v for v in variables if not os.environ.get(v)]
    if not missing:
        return False
    if os.environ.get("MANYDB_REQUIRE_ALL_ENGINES") == "1":
        raise SystemExit(f"FAIL: {', '.join(missing)} not set (scripts/with-db sets them)")
    print(f"SKIPPING: {skipping}")
    return True


def wait_until(predicate, what, timeout=60):
    """Polls `predicate` until it holds; fails the test naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)
