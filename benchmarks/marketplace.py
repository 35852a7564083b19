"""Throughput of the public pages as a ratio to a bare Django view, on PostgreSQL with many pledges.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/p2c_bench REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python benchmarks/marketplace.py --pledges 100000

Steps: migrate the database (created if missing); add generated pledges until it holds ``--pledges`` published
pledges (``manage.py generate_pledges``); start gunicorn (2 sync workers, production settings less HTTPS:
``benchmarks/marketplace_settings.py``); then, in one run, measure with wrk (16 connections, ``--seconds`` each,
after a warm-up) the bare view that renders only the base template, the marketplace with a filter and a search
term, a pledge page and the dashboard. Prints requests/s, mean latency and the ratio to the bare view, with the
targets of the marketplace issue (marketplace ≥ 0.25, pledge page ≥ 0.4, dashboard ≥ 0.25); exits 1 if a page
answered anything but 200 or a target is missed. Contacts 127.0.0.1 only. Needs wrk (apt-get install wrk).
"""

# ruff: noqa: S603, S607 - runs this project's own commands and wrk with fixed arguments
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGETS = {"marketplace": 0.25, "pledge page": 0.4, "dashboard": 0.25}


def manage(*args, env):
    """Run one of this project's management commands (at most an hour); raises CalledProcessError on failure."""
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=3600)


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def query(url: str, sql: str):
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()


def wrk(url: str, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    latency = re.search(r"Latency\s+([\d.]+\w+)", out).group(1)
    return {"rps": rps, "non_2xx": int(bad.group(1)) if bad else 0, "latency": latency}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pledges", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database (the benchmark is for PostgreSQL).", file=sys.stderr)
        return 2
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.marketplace_settings",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "benchmark-only-secret-key-" + "x" * 40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": "consolemail://",
    }
    ensure_database(database_url)
    manage("migrate", "--no-input", "-v0", env=env)
    have = query(database_url, "SELECT count(*) FROM pledges_pledge WHERE status = 'published'")[0]
    if have < args.pledges:
        print(f"Generating {args.pledges - have} pledges ...", flush=True)
        manage("generate_pledges", "--count", str(args.pledges - have), env=env)
    have = query(database_url, "SELECT count(*) FROM pledges_pledge WHERE status = 'published'")[0]
    manage("collectstatic", "--no-input", "-v0", env=env)  # production serves hashed, compressed files
    public_id = query(
        database_url,
        "SELECT public_id FROM pledges_pledge WHERE status = 'published' ORDER BY published_at DESC LIMIT 1",
    )[0]
    base = f"http://127.0.0.1:{args.port}"
    pages = {
        "bare view": f"{base}/__bench__/bare/",
        "marketplace": f"{base}/pledges/?focus_area=access&q=schools",
        "pledge page": f"{base}/pledges/{public_id}/",
        "dashboard": f"{base}/dashboard/",
    }
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "p2c.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(1)
        results = {}
        for name, url in pages.items():
            for _ in range(3):  # warm caches (figures, labels, suggestions) in both workers
                with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - our own server
                    assert response.status == 200, (name, response.status)
            results[name] = wrk(url, args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    bare = results["bare view"]["rps"]
    print(
        f"\n{have:,} published pledges; wrk 16 connections, {args.seconds} s per page, gunicorn 2 workers\n"
    )
    print(f"{'page':<14}{'req/s':>10}{'latency':>10}{'ratio':>8}{'target':>8}  non-2xx")
    failed = False
    for name, r in results.items():
        ratio = r["rps"] / bare if bare else 0
        target = TARGETS.get(name)
        ok = (target is None or ratio >= target) and r["non_2xx"] == 0
        failed |= not ok
        print(
            f"{name:<14}{r['rps']:>10.1f}{r['latency']:>10}{ratio:>8.2f}{(target or 0):>8.2f}  {r['non_2xx']}"
            f"{'' if ok else '  <- missed'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
