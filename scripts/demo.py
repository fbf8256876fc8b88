#!/usr/bin/env python3
"""A newsroom on 127.0.0.1 built from the five seed reports, and a newsfold run against it.

Usage: python3 scripts/demo.py [--keep DIR]

Builds two outlets (RSS feeds, HTML pages with navigation and a footer around the seed texts,
one report reprinted by the second outlet, tracking parameters on the feed links, a feed URL
that answers 404), serves them with Python's http.server on a free loopback port, then runs
`newsfold ingest` twice, `dump --format markdown` and `check` with the release binary.
Needs no internet: it shows what a cron run does, offline.
"""
import argparse
import html
import pathlib
import subprocess
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "tests" / "fixtures" / "seeds").glob("0*.txt"))
TITLES = [
    "Irak : deux drones abattus près de la base d'Al-Asad",
    "Irak: la base américaine d'Ain al-Asad fait l’objet d’une attaque de drones",
    "Irak : attaque de drones contre la base d'Aïn al-Assad",
    "Irak : deux drones piégés visent la base d'Al-Assad",
    "Une attaque à la roquette en Irak contre une base abritant des soldats américains",
]
DATES = [
    "Mon, 07 Jun 2021 10:00:00 GMT",
    "Tue, 16 Jul 2024 20:00:00 GMT",
    "Wed, 17 Jul 2024 08:00:00 GMT",
    "Tue, 04 Jan 2022 09:00:00 GMT",
    "Sun, 20 Jun 2021 12:00:00 GMT",
]
# Outlet folder -> seed numbers it publishes (seed 1 is reprinted by outlet b).
OUTLETS = {"a": [0, 1, 3], "b": [2, 4, 1]}


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without an access log line per request."""

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


def page(outlet: str, n: int) -> str:
    lines = [l for l in SEEDS[n].read_text(encoding="utf-8").splitlines() if l.strip()]
    body = "".join(f"<p>{html.escape(l)}</p>" for l in lines)
    title = html.escape(TITLES[n])
    return (
        f'<html lang="fr"><head><meta charset="utf-8"><title>{title} | Outlet {outlet.upper()}</title>'
        f'</head><body><nav><a href="/">Accueil</a> <a href="/monde">Monde</a></nav>'
        f"<article><h1>{title}</h1>{body}</article>"
        f"<footer>© Outlet {outlet.upper()} — Mentions légales</footer></body></html>"
    )


def build(site: pathlib.Path, base: str) -> None:
    for outlet, seeds in OUTLETS.items():
        folder = site / outlet
        folder.mkdir(parents=True, exist_ok=True)
        items = []
        for n in seeds:
            (folder / f"{n}.html").write_text(page(outlet, n), encoding="utf-8")
            link = f"{base}/{outlet}/{n}.html?utm_source=rss"
            items.append(
                f"<item><title>{html.escape(TITLES[n])}</title><link>{html.escape(link)}</link>"
                f"<pubDate>{DATES[n]}</pubDate></item>"
            )
        (folder / "rss.xml").write_text(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>'
            + outlet
            + "</title>"
            + "".join(items)
            + "</channel></rss>",
            encoding="utf-8",
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="build the demo in this folder and keep it")
    args = ap.parse_args()
    work = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="newsfold-demo-"))
    site = work / "site"
    site.mkdir(parents=True, exist_ok=True)
    handler = partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    build(site, base)
    (work / "feeds.toml").write_text(
        f'[settings]\nstore = "demo.db"\nper_host_delay_secs = 0.1\n\n'
        f'[[outlet]]\nname = "Outlet A"\nlang = "fr"\nfeeds = ["{base}/a/rss.xml"]\n\n'
        f'[[outlet]]\nname = "Outlet B"\nlang = "fr"\n'
        f'feeds = ["{base}/b/rss.xml", "{base}/b/missing.xml"]\n',
        encoding="utf-8",
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = ROOT / "target" / "release" / "newsfold"
    config = str(work / "feeds.toml")
    for args_ in (["ingest"], ["ingest"], ["dump", "--format", "markdown"], ["check"]):
        print(f"$ newsfold {' '.join(args_)} --config {config}", flush=True)
        status = subprocess.run([str(binary), *args_, "--config", config]).returncode
        print(f"(exit status {status})\n", flush=True)
    server.shutdown()
    print(f"demo files in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
