"""A programmable web site on 127.0.0.1 for the watch tests: feeds and article pages whose answers
(body, status, validators, delay) a test changes between passes, and a count of every request."""
from __future__ import annotations

import http.server
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

TOPICS = [("river", "water commission", "flow data"), ("harbour", "port authority", "shipping lanes"),
          ("grain", "export corridor", "storage silos"), ("railway", "border crossing", "freight trains"),
          ("power", "grid operator", "transmission lines"), ("school", "exchange programme", "student visas"),
          ("fishery", "quota board", "coastal waters"), ("mine", "mineral agency", "mining permits")]


def article_page(number: int, title: str | None = None) -> str:
    """A news page about a fictional meeting: navigation, an article of five paragraphs, a footer."""
    subject, body, detail = TOPICS[number % len(TOPICS)]
    title = title or f"Ministers of Veldoria and Ostrana agree on the {subject} ({number})"
    paragraphs = [
        f"The foreign ministers of Veldoria and Ostrana met in Port Marl on day {number} to discuss the {subject} and "
        f"agreed that the {body} would meet every month from now on.",
        f"Minister Anna Kovalenko said the agreement on {detail} was a practical step that both governments had "
        f"prepared for more than a year. Experts will publish their first report on it in the spring.",
        f"The two delegations also reviewed the budget of the {body}, the rules for {detail} and the schedule of "
        f"the next round of consultations, which will take place in Ostrana in item {number}.",
        f"Observers in the region welcomed the talks on the {subject}, noting that earlier meetings had ended "
        f"without a joint statement and that the new text sets out deadlines for each side.",
        f"The ministers closed the meeting with a visit to the {subject} works outside the city and a short "
        f"press conference in which they answered questions about the {body} number {number}.",
    ]
    body_html = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<article><h1>{title}</h1>{body_html}</article><footer>Copyright Example Ministry</footer></body></html>")


def rss(base: str, numbers: list[int], title: str = "Example Ministry news") -> str:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    items = "".join(
        f"<item><title>Ministers agree on item {n}</title><link>{base}/news/{n}.html</link>"
        f"<guid>{base}/news/{n}.html</guid><pubDate>{format_datetime(start + timedelta(hours=n))}</pubDate>"
        f"<description>Short summary {n}.</description></item>" for n in numbers)
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>{title}</title><link>{base}/</link>{items}</channel></rss>"


@dataclass
class Route:
    body: str | bytes = ""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None
    delay: float = 0.0


@dataclass
class Site:
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter = field(default_factory=Counter)
    base: str = ""

    def feed(self, path: str, numbers: list[int], etag: str | None = None) -> None:
        self.routes[path] = Route(rss(self.base, numbers), content_type="application/rss+xml", etag=etag)
        for number in numbers:
            self.routes.setdefault(f"/news/{number}.html", Route(article_page(number)))


def serve(site: Site):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            path = self.path.split("?")[0]
            site.hits[path] += 1
            route = site.routes.get(path)
            if route is None:
                self.send_error(404)
                return
            if route.delay:
                time.sleep(route.delay)
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.end_headers()
                return
            body = route.body.encode("utf-8") if isinstance(route.body, str) else route.body
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(body)))
            if route.etag:
                self.send_header("ETag", route.etag)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
