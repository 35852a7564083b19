"""Run the load test against gunicorn + PostgreSQL + Redis + a Celery worker on 127.0.0.1, and check the outcome.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/p2c_load REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python benchmarks/load/run.py --pledges 100000 --duration 120

Steps, each bounded in time: migrate the database (created if missing) and collect the static files; add
generated pledges until it holds ``--pledges`` published pledges (``manage.py generate_pledges``); give five
members an organisation with published pledges; start gunicorn (``--workers``) and a Celery worker with the
production settings less HTTPS (``benchmarks/load/settings.py``); run ``locustfile.py`` headless: 50 visitors
and 5 members for ``--duration`` seconds; wait for the outbox to drain. Then it prints p50 / p95 / p99
latencies per kind of request and in all, and exits 1 unless no request failed (no 5xx and no dropped
connection, in locust and in the server log), members got pledges and progress reports through, and every one
the server accepted is in the database (and every queued task ran). Servers it started are stopped at the end.
Only 127.0.0.1 is contacted. Needs ``pip install -c requirements.lock ".[load]"`` (locust).
"""

# ruff: noqa: S603 - runs this project's own commands (manage.py, gunicorn, celery, locust) with fixed arguments
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# A 5xx answer in the app's request log, or an error that escaped Django (gunicorn's own message).
SERVER_ERROR = re.compile(r" p2c\.request \[[^\]]*\] [A-Z]+ \S+ 5\d\d |Error handling request")

MEMBERS_CODE = """
import json
from allauth.account.models import EmailAddress
from accounts.models import User
from organisations.models import Membership, Organisation
from pledges.models import Pledge

members = []
leads = Pledge.objects.published().filter(lead_organisation__slug__startswith="bench-")
lead_ids = list(dict.fromkeys(leads.values_list("lead_organisation_id", flat=True)[:500]))[:{count}]
for i, organisation in enumerate(Organisation.objects.filter(pk__in=lead_ids).order_by("pk"), 1):
    email = f"load-member-{{i}}@example.org"
    user = User.objects.filter(email=email).first() or User(email=email)
    user.is_active = True
    user.set_password({password!r})
    user.save()
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={{"verified": True, "primary": True}})
    Membership.objects.update_or_create(
        organisation=organisation, user=user, defaults={{"role": Membership.Role.OWNER}}
    )
    pledges = Pledge.objects.published().filter(lead_organisation=organisation).values_list("public_id", flat=True)
    members.append(
        {{"email": email, "password": {password!r}, "organisation": organisation.slug, "pledges": list(pledges[:20])}}
    )
with open({path!r}, "w") as f:
    json.dump(members, f)
print(len(members), "members")
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def manage(*args: str, env: dict, timeout: float) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def published_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM pledges_pledge WHERE status = 'published'").fetchone()[0]


def wait_healthy(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - 127.0.0.1 only
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{base}/healthz did not answer 200 within {seconds} s")


def stop(process: subprocess.Popen | None, seconds: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def percentiles(stats_csv: Path) -> list[dict]:
    with stats_csv.open() as f:
        return list(csv.DictReader(f))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pledges", type=int, default=100_000, help="published pledges in the database")
    parser.add_argument("--duration", type=int, default=120, help="seconds of load (default 120)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--out", default=None, help="folder for logs and locust's CSV files")
    args = parser.parse_args()

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith("redis://"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL, a database of its own) and REDIS_URL (redis://...).")
    out = Path(args.out or tempfile.mkdtemp(prefix="p2c-load-"))
    out.mkdir(parents=True, exist_ok=True)
    run_id = f"L{secrets.token_hex(3)}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": "dummymail://",
        "DJANGO_LOG_JSON": "false",
        "DJANGO_MEDIA_ROOT": str(out / "media"),
        "P2C_PRIVATE_MEDIA_ROOT": str(out / "private"),
        "PYTHONPATH": str(ROOT),
        "P2C_LOAD_RUN": run_id,
        "P2C_LOAD_MEMBERS": str(out / "members.json"),
        "P2C_LOAD_RESULTS": str(out / "accepted.json"),
    }
    log(f"output in {out}; run marker {run_id}")

    ensure_database(database_url)
    started = time.monotonic()
    manage("migrate", "--no-input", env=env, timeout=600)
    manage("collectstatic", "--no-input", "-v", "0", env=env, timeout=300)
    log(f"migrated in {time.monotonic() - started:.0f} s")
    have = published_count(database_url)
    if have < args.pledges:
        started = time.monotonic()
        manage("generate_pledges", "--count", str(args.pledges - have), env=env, timeout=3600)
        log(f"generated {args.pledges - have} pledges in {time.monotonic() - started:.0f} s")
    have = published_count(database_url)
    log(f"{have} published pledges in the database")
    code = MEMBERS_CODE.format(count=5, password=secrets.token_urlsafe(12), path=env["P2C_LOAD_MEMBERS"])
    log(manage("shell", "-c", code, env=env, timeout=120).strip())

    base = f"http://127.0.0.1:{args.port}"
    gunicorn = worker = None
    try:
        with (out / "gunicorn.log").open("w") as web_log, (out / "worker.log").open("w") as worker_log:
            gunicorn = subprocess.Popen(
                [str(BIN / "gunicorn"), "p2c.wsgi", "--bind", f"127.0.0.1:{args.port}", "--workers",
                 str(args.workers), "--timeout", "60"],
                cwd=ROOT, env=env, stdout=web_log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            worker = subprocess.Popen(
                [str(BIN / "celery"), "-A", "p2c", "worker", "--concurrency", "1", "--loglevel", "INFO"],
                cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            wait_healthy(base, 60)
            log(f"load average of the machine before the test: {os.getloadavg()[0]:.1f}")
            log(f"gunicorn ({args.workers} workers) and a Celery worker are up; load for {args.duration} s")
            locust = subprocess.run(
                [str(BIN / "locust"), "-f", str(ROOT / "benchmarks/load/locustfile.py"), "--headless",
                 "--users", "55", "--spawn-rate", "55", "--run-time", f"{args.duration}s", "--host", base,
                 "--csv", str(out / "locust"), "--only-summary", "--stop-timeout", "10"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.duration + 180,
            )  # fmt: skip
            (out / "locust.log").write_text(locust.stdout + locust.stderr)
            log(f"locust finished (exit {locust.returncode}); load average {os.getloadavg()[0]:.1f}")
            deadline = time.monotonic() + 90
            with psycopg.connect(database_url, autocommit=True) as conn:
                while time.monotonic() < deadline:
                    pending = conn.execute("SELECT count(*) FROM outbox_outboxmessage WHERE done_at IS NULL")
                    if pending.fetchone()[0] == 0:
                        break
                    time.sleep(1)
    finally:
        stop(gunicorn)
        stop(worker, seconds=60)

    return report(out, database_url, run_id)


def report(out: Path, database_url: str, run_id: str) -> int:
    rows = percentiles(out / "locust_stats.csv")
    print()
    print(f"{'request':48} {'count':>7} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for row in rows:
        name = row["Name"] if row["Type"] else "ALL"
        label = f"{row['Type']} {name}".strip()
        print(
            f"{label[:48]:48} {row['Request Count']:>7} {row['Failure Count']:>5} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(f"throughput: {float(total['Requests/s']):.1f} requests/s")

    failures = percentiles(out / "locust_failures.csv") if (out / "locust_failures.csv").exists() else []
    # Server errors: a 5xx answer, or no answer at all (connection reset or refused, e.g. a worker killed at
    # gunicorn's timeout). A 4xx answer is a failure of the scenario, reported but not a server error.
    client_5xx = sum(int(f["Occurrences"]) for f in failures if not re.search(r"HTTP 4\d\d", f["Error"]))
    for f in failures:
        print(f"failure: {f['Method']} {f['Name']}: {f['Error']} x{f['Occurrences']}")
    server_5xx = len(SERVER_ERROR.findall((out / "gunicorn.log").read_text()))
    accepted = json.loads((out / "accepted.json").read_text())
    with psycopg.connect(database_url) as conn:
        titles = [
            r[0]
            for r in conn.execute("SELECT title FROM pledges_pledge WHERE title LIKE %s", [f"%({run_id}-%"])
        ]
        narratives = [
            r[0]
            for r in conn.execute(
                "SELECT narrative FROM progress_progressreport WHERE narrative LIKE %s", [f"%({run_id}-%"]
            )
        ]
        pending = conn.execute("SELECT count(*) FROM outbox_outboxmessage WHERE done_at IS NULL").fetchone()[
            0
        ]
    marker = re.compile(r"\((" + re.escape(run_id) + r"-[^)]+)\)")
    stored_pledges = {m for t in titles for m in marker.findall(t)}
    stored_progress = {m for n in narratives for m in marker.findall(n)}
    lost_pledges = set(accepted["pledges"]) - stored_pledges
    lost_progress = set(accepted["progress"]) - stored_progress
    print(f"server errors: {client_5xx} seen by locust (5xx or no answer), {server_5xx} in the server log")
    print(
        f"pledges submitted {len(accepted['pledges'])}, in the database {len(stored_pledges)}; "
        f"progress reports {len(accepted['progress'])}, in the database {len(stored_progress)}; "
        f"outbox rows not done: {pending}"
    )
    all_failures = sum(int(f["Occurrences"]) for f in failures)
    submitted = bool(accepted["pledges"]) and bool(accepted["progress"])
    if not submitted:
        print("no pledge or no progress report got through in the time: nothing was checked for them")
    ok = (
        submitted
        and all_failures == 0
        and server_5xx == 0
        and not lost_pledges
        and not lost_progress
        and pending == 0
    )
    print("RESULT:", "PASS" if ok else "FAIL", f"(logs in {out})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
