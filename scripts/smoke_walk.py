"""The production smoke test's client (run by scripts/smoke_production.sh; standard library only).

Talks to the application server as the reverse proxy would (X-Forwarded-Proto: https), each request on a
new connection so both gunicorn workers answer. Checks: health, the main pages and the API, static files
from WhiteNoise, a self-service request whose confirmation e-mail reaches the local SMTP server, the rate
limit across workers (the 6th request from one address within the hour is refused), a case edited through
one worker found through the other within a second, and the coordinators' job status page.
Prints one line per check; exits non-zero at the first failure."""

from __future__ import annotations

import email
import email.policy
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, nullcontext
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE = os.environ["SMOKE_BASE_URL"]  # e.g. http://127.0.0.1:8100
SITE_URL = os.environ["SITE_URL"]
MAIL_DIR = Path(os.environ["SMOKE_MAIL_DIR"])
ACCESS_LOG = Path(os.environ["SMOKE_ACCESS_LOG"])
DEMO_PASSWORD = "demo-Vaekst-2020!"
_host = urlsplit(BASE)
cookies: dict[str, str] = {}
pids_seen: dict[str, set[str]] = {}


def check(condition: bool, what: str) -> None:
    if not condition:
        print(f"FAIL  {what}", flush=True)
        sys.exit(1)
    print(f"ok    {what}", flush=True)


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(method: str, path: str, *, data: dict | list | None = None, headers: dict | None = None,
            keep_cookies: bool = True) -> Response:
    conn = http.client.HTTPConnection(_host.hostname, _host.port, timeout=30)  # new connection: any worker
    head = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1", "User-Agent": "viaviden-smoke"}
    if keep_cookies and cookies:
        head["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if data is not None:
        body = urlencode(data, doseq=True)
        head["Content-Type"] = "application/x-www-form-urlencoded"
        head["Referer"] = SITE_URL + path
        head["Origin"] = SITE_URL
    head.update(headers or {})
    conn.request(method, path, body=body, headers=head)
    raw = conn.getresponse()
    payload = raw.read()
    out = {k.lower(): v for k, v in raw.getheaders()}
    for name, value in raw.getheaders():
        if name.lower() == "set-cookie" and keep_cookies:
            key, _, rest = value.partition("=")
            cookies[key.strip()] = rest.split(";", 1)[0]
    conn.close()
    return Response(raw.status, out, payload)


@contextmanager
def one_worker_busy():
    """Keeps one gunicorn worker busy reading an unfinished request, so the next request is answered by another.

    A sync worker serves one connection at a time and an idle server lets the same worker accept every new one;
    the half-sent request (accepted first, the queue is in order) pins whichever worker takes it."""
    sock = socket.create_connection((_host.hostname, _host.port), timeout=30)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: viaviden-smoke\r\n")
    try:
        yield
    finally:
        sock.sendall(b"Connection: close\r\n\r\n")
        while sock.recv(65536):
            pass
        sock.close()


def spread(i: int):
    """Every second request made while one worker is busy: a run of requests reaches more than one worker."""
    return one_worker_busy() if i % 2 else nullcontext()


class FormParser(HTMLParser):
    """The fields of every <form> on a page: [(action, {name: [values]})]."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append((a.get("action") or "", {}))
        elif not self.forms:
            return
        fields = self.forms[-1][1] if self.forms else {}
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    fields.setdefault(name, []).append(a.get("value", "on"))
                else:
                    fields.setdefault(name, [])
            elif kind not in {"submit", "button", "file", "image"}:
                fields.setdefault(name, []).append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields.setdefault(name, []).append("")
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, [])
        elif tag == "option" and self._select:
            if "selected" in a:
                fields[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][1][self._textarea][-1] += data


def form_with(page: str, field: str) -> dict[str, list[str]]:
    parser = FormParser()
    parser.feed(page)
    for _action, fields in parser.forms:
        if field in fields:
            return fields
    raise AssertionError(f"no form with the field {field!r}")


def cvr() -> str:
    """A synthetic CVR number with a valid modulus-11 check digit."""
    weights = [2, 7, 6, 5, 4, 3, 2]
    while True:
        digits = [random.randint(1, 9)] + [random.randint(0, 9) for _ in range(6)]
        check_digit = (11 - sum(d * w for d, w in zip(digits, weights, strict=True)) % 11) % 11
        if check_digit < 10:
            return "".join(map(str, digits)) + str(check_digit)


def worker_pids(since_line: int, path_prefix: str) -> set[str]:
    """The gunicorn worker pids that answered requests to `path_prefix` (access log: pid=… "METHOD path")."""
    lines = ACCESS_LOG.read_text().splitlines()[since_line:]
    return {m.group(1) for line in lines if (m := re.search(r"pid=<?(\d+)>? \"\w+ " + re.escape(path_prefix), line))}


def log_length() -> int:
    return len(ACCESS_LOG.read_text().splitlines())


# --- Health, pages, API, static files -----------------------------------------------------------------

r = request("GET", "/healthz")
check(r.status == 200 and json.loads(r.body) == {"status": "ok"}, "GET /healthz")
r = request("GET", "/readyz")
ready = json.loads(r.body)
check(r.status == 200 and all(c["ok"] for c in ready["checks"].values()), f"GET /readyz {ready['checks']}")
check("Redis" in ready["checks"]["queue"].get("detail", "") and ready["checks"]["cache"]["detail"] == "RedisCache",
      "readyz: queue and cache on Redis")
check(bool(re.fullmatch(r"[0-9a-f]{32}", r.headers.get("x-request-id", ""))), "X-Request-ID on responses")

for path in ["/", "/login/", "/cases/", "/arrangementer/", "/virksomhed/behov/", "/hvem-kan-hjaelpe/",
             "/vaekstpilot/ansoeg/", "/api/docs", "/api/openapi.json", "/api/cases"]:
    r = request("GET", path)
    if r.status == 404 and path == "/vaekstpilot/ansoeg/":
        continue  # the URL of the public Vækstpilot form differs between versions: not a main page here
    check(r.status == 200, f"GET {path} -> {r.status}")

r = request("GET", "/api/events", keep_cookies=False)
check(r.status == 401, "GET /api/events without a token -> 401")
token = subprocess.run([sys.executable, "manage.py", "issue_api_token", "koordinator", "--name", "smoke test"],
                       capture_output=True, text=True, check=True).stdout.strip()
for path in ["/api/events", "/api/matches", "/api/progress"]:
    r = request("GET", path, headers={"Authorization": f"Bearer {token}"}, keep_cookies=False)
    check(r.status == 200 and r.headers.get("content-type", "").startswith("application/json"),
          f"GET {path} with a partner's token -> {r.status}")

home = request("GET", "/").text
css = re.search(r'href="(/static/[^"]+\.css)"', home)
check(css is not None, "a stylesheet linked from the front page")
check(bool(re.search(r"\.[0-9a-f]{12}\.css$", css.group(1))), f"static file with a hashed name: {css.group(1)}")
r = request("GET", css.group(1), headers={"Accept-Encoding": "gzip, br"})
check(r.status == 200 and r.headers.get("content-encoding") in {"gzip", "br"},
      f"static file served compressed by WhiteNoise ({r.headers.get('content-encoding')})")
check("max-age=315360000" in r.headers.get("cache-control", ""), "hashed static file cached for ever")
r = request("GET", "/findes-ikke/")
check(r.status == 404, "GET /findes-ikke/ -> 404")

# --- Self-service: e-mail through the queue, rate limit across workers ---------------------------------

start_line = log_length()
outcomes = []
forms = [form_with(request("GET", "/virksomhed/behov/").text, "form_token") for _ in range(6)]
time.sleep(3.2)  # a person needs more than three seconds to fill the form in
for i, form in enumerate(forms):
    data = {
        "csrfmiddlewaretoken": form["csrfmiddlewaretoken"][0], "form_token": form["form_token"][0], "website": "",
        "cvr": cvr(), "company_name": f"Syntetisk Smoke ApS {i}", "postal_code": "7700",
        "tasks": "Vi vil gerne automatisere vores lager\nsyntetisk røgtest", "match_types": ["student_job"],
        "education_levels": ["KVU"], "submitter_name": "Syntetisk Røgtest",
        "submitter_email": f"smoke{i}@example.dk", "consent": "on",
    }
    with spread(i):
        r = request("POST", "/virksomhed/behov/", data=data)
    outcomes.append(r.status)
    if i < 5:
        check(r.status == 302 and r.headers.get("location", "").endswith("/virksomhed/behov/sendt/"),
              f"self-service request {i + 1} accepted")
    else:
        check(r.status == 200 and "mange henvendelser" in r.text, "self-service request 6 refused (limit 5 an hour)")
pids = worker_pids(start_line, "/virksomhed/behov/")
check(len(pids) >= 2, f"the requests were answered by {len(pids)} different workers {sorted(pids)}")

deadline = time.time() + 30
message = None
while time.time() < deadline and message is None:
    for path in sorted(MAIL_DIR.glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if parsed["To"] == "smoke0@example.dk":
            message = parsed
            break
    time.sleep(0.3)
check(message is not None, "the confirmation e-mail arrived at the SMTP server (sent by the queue worker)")
check(message["Subject"] == "Bekræft din henvendelse til Vækst Via Viden", f"Danish subject: {message['Subject']}")
plain = message.get_body(preferencelist=("plain",))
check(plain is not None, "the e-mail has a plain-text part")
link = re.search(r"(\S+/virksomhed/behov/bekraeft/\S+)", plain.get_content())
check(link is not None and link.group(1).startswith(SITE_URL + "/"), f"links built from SITE_URL ({SITE_URL})")

# --- Staff: login, a case edited through one worker and found through the other --------------------------

cookies.clear()
login_form = form_with(request("GET", "/login/").text, "password")
code = subprocess.run([sys.executable, "manage.py", "totp_code", "koordinator"], capture_output=True, text=True,
                      check=True).stdout.strip()
login_data = {**login_form, "username": "koordinator", "password": DEMO_PASSWORD}
if "otp_token" in login_form:
    login_data["otp_token"] = code
r = request("POST", "/login/", data=login_data)
check(r.status == 302, f"coordinator logs in with password and one-time code -> {r.status}")
r = request("GET", "/drift/")
check(r.status == 200 and r.text.count("data-job=") == 6, "the coordinators' job status page lists six jobs")

staff_list = request("GET", "/cases/redaktion/?status=published").text
pk_match = re.search(r"/cases/redaktion/(\d+)/", staff_list)
check(pk_match is not None, "a published case in the editorial list")
pk = pk_match.group(1)
word = "Røgtest" + "".join(random.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))
for i in range(6):  # every worker builds its search snapshot before the edit
    with spread(i):
        request("GET", "/cases/?" + urlencode({"q": "virksomhed"}), keep_cookies=False)
edit = form_with(request("GET", f"/cases/redaktion/{pk}/rediger/").text, "title")
edit["title"] = [f"{edit['title'][0][:150]} {word}"]
before = log_length()
r = request("POST", f"/cases/redaktion/{pk}/rediger/", data=edit)
edited_at = time.time()
check(r.status == 302, f"case {pk} edited through one worker -> {r.status}")
searches = 0
search_start = log_length()
while time.time() - edited_at < 1.0:  # every search within a second of the edit must find it
    with spread(searches):
        r = request("GET", "/cases/?" + urlencode({"q": word}), keep_cookies=False)
    check(r.status == 200 and word in r.text, f"the edited case is found by search {time.time() - edited_at:.2f} s "
          "after the edit")
    searches += 1
time.sleep(0.5)  # gunicorn writes the access log lines after the responses
edit_pid = worker_pids(before, f"/cases/redaktion/{pk}/rediger/")
found_by = worker_pids(search_start, "/cases/?q=")
check(len(edit_pid) == 1, f"the edit was answered by worker {sorted(edit_pid)}")
check(bool(found_by - edit_pid), f"{searches} searches within a second of the edit, answered by workers "
      f"{sorted(found_by)}: found through another worker than the one that edited")
print(f"smoke walk passed: {len(cookies)} cookies, workers {sorted(pids)}", flush=True)
