"""Fault script: restart PostgreSQL under the running platform and show that it recovers without a restart.

    createdb -h 127.0.0.1 -U postgres p2c_fault   # once: a database of its own
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/p2c_fault REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python scripts/fault_postgres_restart.py [--cluster main] [--version 15]

Starts gunicorn (2 workers, production settings over plain HTTP) on 127.0.0.1, and a client that requests
``/healthz`` and ``/pledges/`` every 50 ms. After 5 s it restarts the local cluster with
``pg_ctlcluster --skip-systemctl-redirect <version> <cluster> restart`` (run as root, on a machine where the
cluster is yours to restart: every other client of it is cut off too), keeps the client going for 15 s more, and
prints a timeline per second. PASS when, after the restart, every request answers 200 again within 5 s and the
gunicorn worker processes are the same as before (the app was not restarted): Django's ``CONN_HEALTH_CHECKS``
replaces the dead persistent connections at the start of the next request. Requests during the restart itself
fail (503 from /healthz, 500 from pages): that is expected and counted. Bounded: about 30 s in all.
"""

# ruff: noqa: S603, S607 - runs pg_ctlcluster and this project's gunicorn with fixed arguments
from __future__ import annotations

import argparse
import collections
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def status_of(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - 127.0.0.1 only
            return str(response.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
    except OSError as error:
        return type(error).__name__


def worker_pids(master: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def main() -> int:
    parser = argparse.ArgumentParser(description="Restart PostgreSQL under the running platform.")
    parser.add_argument("--version", default=sorted(os.listdir("/etc/postgresql"))[-1])
    parser.add_argument("--cluster", default="main")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of the cluster to restart.")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "p2c.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": os.environ.get("EMAIL_URL", "dummymail://"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        "DJANGO_LOG_JSON": "false",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    base = f"http://127.0.0.1:{args.port}"
    gunicorn = subprocess.Popen(
        [str(BIN / "gunicorn"), "p2c.wsgi", "--bind", f"127.0.0.1:{args.port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: list[tuple[float, str, str]] = []
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 30
        while status_of(f"{base}/healthz") != "200":
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not become healthy in 30 s")
            time.sleep(0.3)
        pids_before = worker_pids(gunicorn.pid)
        t0 = time.monotonic()

        def client():
            while not stop.is_set():
                for path in ("/healthz", "/pledges/"):
                    results.append((time.monotonic() - t0, path, status_of(base + path)))
                time.sleep(0.05)

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        time.sleep(5)
        restart_at = time.monotonic() - t0
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", args.version, args.cluster, "restart"]
        print("$", " ".join(command), flush=True)
        restart = subprocess.run(command, capture_output=True, text=True, timeout=120)
        restarted_at = time.monotonic() - t0
        print(
            f"restart exit {restart.returncode}, took {restarted_at - restart_at:.2f} s {restart.stderr.strip()}"
        )
        time.sleep(15)
        stop.set()
        thread.join(timeout=10)
        pids_after = worker_pids(gunicorn.pid)
    finally:
        stop.set()
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()

    print("\nsecond  /healthz                        /pledges/")
    timeline = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for at, path, status in results:
        timeline[int(at)][path][status] += 1
    for second in sorted(timeline):
        cells = [
            ", ".join(f"{s}×{n}" for s, n in sorted(timeline[second][p].items()))
            for p in ("/healthz", "/pledges/")
        ]
        mark = "  <- restart" if int(restart_at) <= second <= int(restarted_at) else ""
        print(f"{second:>6}  {cells[0]:30}  {cells[1]:30}{mark}")
    failed = [(at, path, status) for at, path, status in results if status != "200"]
    before = [r for r in results if r[0] < restart_at]
    after_recovery = [r for r in results if r[0] >= restarted_at + 5]
    recovered_at = max((at for at, _, _ in failed), default=restarted_at)
    print(
        f"\nrequests: {len(results)}; not 200: {len(failed)} ({collections.Counter(s for _, _, s in failed)})"
    )
    print(f"last failure {recovered_at - restarted_at:+.2f} s after the restart finished")
    print(f"gunicorn workers before {sorted(pids_before)}, after {sorted(pids_after)}")
    ok = (
        restart.returncode == 0
        and all(s == "200" for _, _, s in before)
        and after_recovery
        and all(s == "200" for _, _, s in after_recovery)
        and pids_before == pids_after
    )
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
