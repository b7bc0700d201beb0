"""How long a captivity report takes from a site to an inbox, and whether the daemon leaks.

Usage: python bench/alert_latency.py [--interval 5] [--articles 20] [--cycles 200]

Part 1, latency: a local news site on 127.0.0.1 and an SMTP server (aiosmtpd) on
127.0.0.1; ``newsmon run`` crawls the site every ``--interval`` seconds (with the shipped
jitter rule: up to half the interval). Captivity articles are published one at a time at
random moments; for each, the time from publication (added to the feed) to the SMTP
server accepting the alert that names it. Goal: median under interval + 3 s.

Part 2, memory: the daemon crawls every second while a new article appears every few
cycles; Pss of the daemon and its workers after 10 and after ``--cycles`` crawls.
Goal: growth under 10%. Both parts run the installed ``newsmon`` script as users do.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pipeline import tree_rss  # noqa: E402
from tests.pages import article_html, own_paragraphs, rss2  # noqa: E402
from tests.sitekit import TestSite  # noqa: E402
from tests.smtpkit import Handler, SmtpServer  # noqa: E402

NEWSMON = Path(sys.executable).parent / "newsmon"


class TimedHandler(Handler):
    """Also notes when the server accepted each message."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[tuple[float, bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.accepted.append((time.monotonic(), bytes(envelope.content)))
        return await super().handle_DATA(server, session, envelope)


class Newsroom:
    def __init__(self, site: TestSite) -> None:
        self.site = site
        self.paths: list[str] = []
        self.lock = threading.Lock()

    def publish(self, n: int) -> str:
        """Put article ``n`` on the site and in its feed; return its marker."""
        marker = f"випуск-{n:04d}"
        title = f"Україна повернула з полону {n} захисників ({marker})"
        # A story of its own: articles that share their sentences are one story, alerted
        # once (as they should be), and the bench would wait for ever. The title flags.
        paragraphs = [*own_paragraphs(title, 4, 24), f"Позначка {marker}."]
        path = f"/news/{marker}.html"
        with self.lock:
            self.site.add(path, article_html(title, paragraphs))
            self.paths.append(path)
            self.site.add("/feed.xml", rss2([self.site.url(p) for p in self.paths[-50:]]))
        return marker


def start_daemon(folder: Path, site: TestSite, smtp_port: int, every: str) -> subprocess.Popen:
    (folder / "config.toml").write_text(
        '[storage]\npath = "bench.db"\n[crawl]\ndelay = 0\nmax_age = "0"\n'
        '[[sources]]\nname = "bench-uk"\nlanguage = "uk"\n'
        f'feeds = ["{site.url("/feed.xml")}"]\nevery = "{every}"\n'
        '[alerts]\nfrom = "newsmon@example.org"\nto = ["monitor@example.org"]\nretry = "1s"\n'
        f'[alerts.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update(no_proxy="*", NO_PROXY="*")
    return subprocess.Popen(
        [str(NEWSMON), "--config", str(folder / "config.toml"), "run"],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "daemon.log").open("w"),
        env=env,
        cwd=folder,
    )


def crawls(folder: Path) -> int:
    try:
        db = sqlite3.connect(folder / "bench.db", timeout=10)
        try:
            return int(db.execute("select count(*) from crawl_runs").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def wait_until(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for the daemon")
        time.sleep(0.05)


def stop(daemon: subprocess.Popen) -> None:
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=20)


def latency(interval: float, articles: int) -> list[float]:
    site, handler = TestSite(), TimedHandler()
    site.add("/robots.txt", b"", content_type="text/plain")
    server = SmtpServer(handler=handler).start()
    room = Newsroom(site)
    room.publish(0)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        daemon = start_daemon(Path(tmp), site, server.port, f"{interval}s")
        try:
            wait_until(lambda: len(handler.accepted) == 1, 60)  # the first crawl is done
            for n in range(1, articles + 1):
                time.sleep(random.uniform(0, interval))  # publication is not in step
                published = time.monotonic()
                marker = room.publish(n)
                seen = len(handler.accepted)
                wait_until(lambda seen=seen: len(handler.accepted) > seen, 60)
                accepted, data = handler.accepted[-1]
                if marker not in _plain_text(data):
                    raise SystemExit(f"the alert after article {n} does not name it")
                results.append(accepted - published)
                print(f"  article {n:2d}: {accepted - published:5.2f} s", flush=True)
        finally:
            stop(daemon)
            server.stop()
            site.close()
    return results


def _plain_text(data: bytes) -> str:
    message = email.message_from_bytes(data, policy=email.policy.default)
    body = message.get_body(("plain",))  # type: ignore[attr-defined]
    return str(body.get_content()) if body is not None else ""


def memory(cycles: int) -> tuple[int, int]:
    site = TestSite()
    site.add("/robots.txt", b"", content_type="text/plain")
    server = SmtpServer().start()
    room = Newsroom(site)
    room.publish(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        daemon = start_daemon(folder, site, server.port, "1s")
        try:
            published = 0
            at_10 = 0
            while (done := crawls(folder)) < cycles:
                if done >= 10 and not at_10:
                    at_10 = tree_rss(daemon.pid)
                if done // 5 > published:  # a new article every five cycles
                    published += 1
                    room.publish(published)
                time.sleep(0.2)
                if daemon.poll() is not None:
                    raise SystemExit("the daemon died")
            at_end = tree_rss(daemon.pid)
        finally:
            stop(daemon)
            server.stop()
            site.close()
    return at_10, at_end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=200)
    args = parser.parse_args()
    random.seed(1)

    print(f"latency, crawl every {args.interval:g} s, {args.articles} articles:")
    times = latency(args.interval, args.articles)
    median = statistics.median(times)
    goal = args.interval + 3
    p90 = statistics.quantiles(times, n=10, method="inclusive")[-1]
    print(
        f"publication -> SMTP acceptance: median {median:.2f} s, p90 {p90:.2f} s, "
        f"max {max(times):.2f} s; "
        f"goal median < {goal:g} s: {'met' if median < goal else 'MISSED'}"
    )

    print(f"memory, crawl every 1 s, {args.cycles} cycles:")
    at_10, at_end = memory(args.cycles)
    growth = at_end / at_10 - 1
    print(
        f"daemon + workers Pss: {at_10 / 1e6:.1f} MB after 10 cycles, {at_end / 1e6:.1f} MB "
        f"after {args.cycles}: growth {growth:+.1%}; goal < 10%: "
        f"{'met' if growth < 0.10 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
