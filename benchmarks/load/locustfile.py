"""Load scenario (locust): 50 visitors browse, search and read pledges; 5 members submit pledges and progress.

Run by ``benchmarks/load/run.py``, which starts the servers, creates the members and checks the outcome. The
members' accounts and pledges come from the file named by ``P2C_LOAD_MEMBERS`` (JSON: ``[{"email",
"password", "pledges": [public IDs]}]``); every pledge and progress report the server accepted is written to
``P2C_LOAD_RESULTS`` (JSON) when the test stops, with the run's marker ``P2C_LOAD_RUN`` in its text, so the
database can be checked for each of them. Any response with a 5xx status is a failure.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import threading

from locust import HttpUser, between, events, task

from benchmarks.load.htmlforms import form_with, forms

RUN = os.environ.get("P2C_LOAD_RUN", "local")
PUBLIC_ID = re.compile(r"/pledges/(P2C-\d{4}-\d{4,6})/")
ORGANISATION = re.compile(r"/organisations/([a-z0-9-]+)/")
SEARCHES = [
    "school",
    "fibre",
    "women",
    "community networks",
    "satellite",
    "clinics",
    "skills",
    "Malawi",
    "Fiji",
    "Nepal",
    "Bangladesh",
    "Haïti",
    "Tuvalu",
    "start-ups",
    "broadband",
    "smartphones",
    "Sahel",
    "Pacific",
]
PLACES = ["Malawi", "Fiji", "Nepal", "Chad", "Tuvalu", "Lao PDR", "Bhutan", "Haiti", "Zambia", "Vanuatu"]

known_pledges: set[str] = set()
known_organisations: set[str] = set()
accepted = {"pledges": [], "progress": []}
_lock = threading.Lock()
_members = itertools.count()
rng = random.Random()  # noqa: S311 - picks pages and made-up values, not secrets


def remember(html: str) -> None:
    with _lock:
        known_pledges.update(PUBLIC_ID.findall(html))
        known_organisations.update(ORGANISATION.findall(html))


def get_checked(client, url: str, name: str):
    """GET ``url``; a 5xx status or a connection error is a failure, anything else below 400 a success."""
    with client.get(url, name=name, catch_response=True) as response:
        if response.status_code >= 400:
            response.failure(f"HTTP {response.status_code}")
        else:
            response.success()
        return response


class Visitor(HttpUser):
    """Someone browsing the marketplace: lists, filters, searches, pledge pages, organisation pages."""

    fixed_count = 50
    wait_time = between(0.5, 2.0)

    def on_start(self):
        response = get_checked(self.client, "/pledges/", "/pledges/")
        remember(response.text)
        search_form = next((f for f in forms(response.text) if f.attrs.get("role") == "search"), None)
        self.filters = []
        if search_form is not None:
            for name in {f["name"] for f in search_form.fields if f["type"] == "checkbox"} | set(
                search_form.selects
            ):
                self.filters += [(name, value) for value in search_form.options(name)[:30]]

    @task(1)
    def home(self):
        remember(get_checked(self.client, "/", "/").text)

    @task(3)
    def browse(self):
        page = rng.choice([1, 1, 1, 2, 3, rng.randint(4, 200)])
        sort = rng.choice(["", "&sort=newest", "&sort=value", "&sort=title"])
        remember(get_checked(self.client, f"/pledges/?page={page}{sort}", "/pledges/?page=[n]").text)

    @task(2)
    def filter(self):
        if not self.filters:
            return
        name, value = rng.choice(self.filters)
        remember(get_checked(self.client, f"/pledges/?{name}={value}", "/pledges/?[filter]").text)

    @task(3)
    def search(self):
        remember(get_checked(self.client, f"/pledges/?q={rng.choice(SEARCHES)}", "/pledges/?q=[term]").text)

    @task(5)
    def read_pledge(self):
        if not known_pledges:
            return
        with _lock:
            public_id = rng.choice(tuple(known_pledges))
        remember(get_checked(self.client, f"/pledges/{public_id}/", "/pledges/[id]/").text)

    @task(1)
    def read_organisation(self):
        if not known_organisations:
            return
        with _lock:
            slug = rng.choice(tuple(known_organisations))
        get_checked(self.client, f"/organisations/{slug}/", "/organisations/[slug]/")


class Member(HttpUser):
    """A pledger who logs in, looks at the workspace, registers and submits pledges, and reports progress."""

    fixed_count = 5
    wait_time = between(2.0, 6.0)

    def on_start(self):
        with open(os.environ["P2C_LOAD_MEMBERS"]) as f:
            members = json.load(f)
        self.account = members[next(_members) % len(members)]
        self.sent = 0
        page = get_checked(self.client, "/accounts/login/", "/accounts/login/")
        login = form_with(page.text, "login")
        data = dict(login.data())
        data.update(login=self.account["email"], password=self.account["password"])
        with self.client.post(
            "/accounts/login/",
            data=data,
            name="/accounts/login/ (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login failed: HTTP {response.status_code}")

    def _marker(self, what: str) -> str:
        self.sent += 1
        return f"{RUN}-{self.account['email'].split('@')[0]}-{what}-{self.sent}"

    @task(2)
    def workspace(self):
        get_checked(self.client, "/my/", "/my/")

    @task(1)
    def submit_pledge(self):
        url = f"/my/pledges/new/?organisation={self.account['organisation']}"
        page = get_checked(self.client, url, "/my/pledges/new/")
        form = form_with(page.text, "title")
        if form is None:
            return
        marker = self._marker("pledge")
        target = rng.choice([50, 100, 250, 500])
        place = rng.choice(PLACES)
        month = dt.datetime.now(dt.UTC).date().replace(day=1)
        # The first row of the deliverables formset ("<prefix>-0-title", "<prefix>-0-due_date"): a pledge is
        # submitted with at least one dated deliverable.
        names = {f["name"] for f in form.fields} | set(form.textareas)
        row = next((n[: -len("title")] for n in sorted(names) if n.endswith("-0-title")), "deliverables-0-")
        typed = {
            "title",
            "summary",
            "description",
            "start_date",
            "end_date",
            "value_amount",
            "value_currency",
        }
        typed |= {f"{row}title", f"{row}due_date"}
        data = [(k, v) for k, v in form.data() if k not in typed]
        data += [
            ("title", f"Connect {target} rural schools in {place} ({marker})"),
            ("summary", f"Broadband for {target} schools in {place}, with teacher training."),
            ("description", f"Load test pledge {marker}: fibre and satellite links for {target} schools."),
            ("start_date", month.isoformat()),
            ("end_date", month.replace(year=month.year + 3).isoformat()),
            ("action", "submit"),
            (f"{row}title", f"{target} schools online"),
            (f"{row}due_date", month.replace(year=month.year + 2).isoformat()),
        ]
        for name, count in (("focus_areas", 1), ("pledge_types", 1), ("beneficiary_countries", 2)):
            options = form.options(name)
            data += [(name, value) for value in rng.sample(options, min(count, len(options)))]
        if "USD" in form.options("value_currency"):
            data += [("value_amount", str(target * 2000)), ("value_currency", "USD")]
        with self.client.post(
            page.url, data=data, name="/my/pledges/new/ (POST)", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 302 and response.headers.get("Location", "").rstrip("/").endswith(
                "/my"
            ):
                with _lock:
                    accepted["pledges"].append(marker)
                response.success()
            else:
                response.failure(f"pledge not submitted: HTTP {response.status_code}")

    @task(2)
    def report_progress(self):
        """File a progress report on one of the organisation's pledges (one open report per pledge: a pledge
        whose report awaits the Secretariat shows that report, without a form, and is skipped)."""
        public_id = rng.choice(self.account["pledges"])
        page = get_checked(
            self.client, f"/my/pledges/{public_id}/progress/new/", "/my/pledges/[id]/progress/new/"
        )
        form = form_with(page.text, "narrative")
        if form is None:
            return
        marker = self._marker("progress")
        percent = rng.randint(5, 100)
        typed = {"implementation_status", "percent_complete", "narrative", "action"}
        data = [(k, v) for k, v in form.data() if k not in typed]
        data += [
            ("implementation_status", rng.choice(["on_track", "delayed", "completed"])),
            ("percent_complete", str(percent)),
            ("narrative", f"{percent}% of the sites are live ({marker})."),
            ("action", "submit"),
        ]
        with self.client.post(
            page.url,
            data=data,
            name="/my/pledges/[id]/progress/ (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                with _lock:
                    accepted["progress"].append(marker)
                response.success()
            else:
                response.failure(f"progress report not saved: HTTP {response.status_code}")


@events.test_stop.add_listener
def write_results(environment, **kwargs):
    path = os.environ.get("P2C_LOAD_RESULTS")
    if path:
        with _lock, open(path, "w") as f:
            json.dump(accepted, f)
