#!/usr/bin/python3
"""The browser build, tested in headless Chromium against the native build.

web_check.py SITE_DIR BROKERSIM SCREENSHOT_CHECK OUT_DIR CHECK [ARGS]

  lessons DIR...   every lesson's check-mode fingerprint equals `brokersim run`'s
  screenshot       the checkout lesson at 1280x800 is a real picture (gui_screenshot_check)
  share            a lesson edited through the page's hooks, opened again from its link,
                   gives the same fingerprint, and so does the native build on its YAML
  bad-input        a corrupt link, a truncated one and a scenario with a YAML error each show
                   their error in the page
"""
import base64
import contextlib
import functools
import html
import http.server
import os
import pathlib
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import zlib

CHROMIUM = ["chromium", "--headless=new", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
            "--disable-gpu-sandbox", "--no-first-run", "--disable-extensions", "--mute-audio"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".js": "text/javascript"}

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(site):
    handler = functools.partial(QuietHandler, directory=site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()


def dump_dom(url, budget_ms=60000, timeout_s=120):
    out = subprocess.run(CHROMIUM + [f"--virtual-time-budget={budget_ms}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=timeout_s)
    return out.stdout


def element_text(dom, element_id):
    m = re.search(rf'<(\w+) id="{element_id}"([^>]*)>(.*?)</\1>', dom, re.S)
    if not m:
        return None, None
    hidden = "hidden" in m.group(2)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(3))), hidden


def result_of(dom):
    text, _ = element_text(dom, "result")
    return (text or "").strip()


def native_fingerprint(brokersim, path):
    out = subprocess.run([brokersim, "run", str(path), "--quiet"], capture_output=True, text=True, check=True).stdout
    return re.search(r"fingerprint: ([0-9a-f]+)", out).group(1)


def link_for(yaml_text, at_ms=0):
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = squeezer.compress(yaml_text.encode()) + squeezer.flush()
    return "#s=v1." + base64.urlsafe_b64encode(data).decode().rstrip("=") + f"&t={at_ms}"


def yaml_of_link(link):
    fragment = urllib.parse.parse_qs(urllib.parse.urlsplit(link).fragment)
    data = fragment["s"][0][3:]
    return zlib.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)), -15).decode()


def check_lessons(url, brokersim, dirs):
    failures = 0
    lessons = sorted(p for d in dirs for p in pathlib.Path(d).glob("*.yaml") if p.name != "course.yaml")
    for lesson in lessons:
        if lesson.parent.name != "scenarios":
            continue  # the site packs scenarios/; others go through a link below
        started = time.monotonic()
        web = result_of(dump_dom(f"{url}?scenario={lesson.stem}&check=1"))
        native = "fingerprint: " + native_fingerprint(brokersim, lesson)
        ok = web == native
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {lesson.stem}: browser '{web}', native '{native}' "
              f"({time.monotonic() - started:.1f}s)")
    for lesson in lessons:
        if lesson.parent.name == "scenarios":
            continue
        web = result_of(dump_dom(f"{url}?check=1{link_for(lesson.read_text())}"))
        native = "fingerprint: " + native_fingerprint(brokersim, lesson)
        ok = web == native
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {lesson.name} by link: browser '{web}', native '{native}'")
    return failures


def check_screenshot(url, screenshot_check, out_dir):
    png = os.path.join(out_dir, "web-checkout.png")
    if os.path.exists(png):
        os.remove(png)
    # Virtual time: the page loads, the lesson plays a few simulated seconds, then the picture.
    subprocess.run(CHROMIUM + ["--window-size=1280,800", "--hide-scrollbars", "--virtual-time-budget=20000",
                               f"--screenshot={png}", f"{url}?scenario=ecommerce_checkout"],
                   capture_output=True, text=True, timeout=120)
    if not os.path.exists(png):
        print("FAIL no screenshot written")
        return 1
    check = subprocess.run([screenshot_check, png, "1280", "800"], capture_output=True, text=True)
    print(check.stdout.strip(), check.stderr.strip())
    print(f"{'ok  ' if check.returncode == 0 else 'FAIL'} screenshot {png}")
    return int(check.returncode != 0) + check_picker(url)


def check_picker(url):
    """The lesson picker lists the course module by module, with the lessons' titles."""
    dom = dump_dom(f"{url}?scenario=hello_world")
    groups = re.findall(r'<optgroup label="([^"]*)"', dom)
    options = re.findall(r'<option value="/scenarios/[^"]*">', dom)
    ok = groups[:5] == ["1. Foundations", "2. Core concepts", "3. Messaging patterns", "4. Production", "5. Capstone"] \
        and len(options) >= 37 and "Exercise: three workers, one queue" in dom
    print(f"{'ok  ' if ok else 'FAIL'} picker: {len(groups)} groups {groups}, {len(options)} lessons")
    return int(not ok)


def check_share(url, brokersim, out_dir, scenarios_dir):
    result = result_of(dump_dom(f"{url}?scenario=topics&selftest=share"))
    m = re.search(r"link: (\S+)\s+fingerprint: ([0-9a-f]+)", result)
    if not m:
        print(f"FAIL the share selftest said: '{result}'")
        return 1
    link, edited = m.group(1), m.group(2)
    yaml_text = yaml_of_link(link)
    failures = 0
    if "selftest.#" not in yaml_text:
        print("FAIL the link does not carry the edit")
        failures += 1
    split = urllib.parse.urlsplit(link)
    again = result_of(dump_dom(f"{url}?check=1#{split.fragment}"))
    path = pathlib.Path(out_dir) / "web-shared.yaml"
    path.write_text(yaml_text)
    native = native_fingerprint(brokersim, path)
    original = native_fingerprint(brokersim, pathlib.Path(scenarios_dir) / "topics.yaml")
    for what, ok in [("reopened from the link", again == f"fingerprint: {edited}"),
                     ("native run of the link's YAML", native == edited),
                     ("the edit changed the run", edited != original)]:
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} share: {what} (edited {edited}, reopened '{again}', native {native})")
    return failures


def check_bad_input(url):
    failures = 0
    good = link_for("name: tiny\nbroker:\n  queues: [{name: q}]\n")
    syntax_error = link_for("name: bad\nbroker:\n  queues: [{name: a, durable: true\n")
    bad_value = link_for("name: bad\nduration: soon\n")
    cases = [
        ("a corrupt link", f"{url}#s=v1.%%%not-base64", "This link does not open"),
        ("a truncated link", f"{url}{good[:len(good) // 2]}", "This link does not open"),
        ("a link of another kind", f"{url}#s=zzz", "not a brokersim scenario link"),
        ("a scenario with a YAML error", f"{url}{syntax_error}", "shared-link.yaml:4:1: end of map flow not found"),
        ("a scenario with a bad value", f"{url}{bad_value}", "shared-link.yaml:2:11: duration must be a duration"),
    ]
    for what, page, expected in cases:
        dom = dump_dom(page, budget_ms=20000)
        text, hidden = element_text(dom, "error-text")
        _, box_hidden = element_text(dom, "error")
        shown = text is not None and expected in text
        # The page still shows a lesson underneath: the canvas and the toolbar came up.
        toolbar = re.search(r'<div id="toolbar"(?![^>]*hidden)', dom) is not None
        ok = shown and toolbar
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {what}: error shown {shown!r}, lesson still up {toolbar!r}: "
              f"{(text or '').strip()[:140]!r}")
    return failures


def main():
    site, brokersim, screenshot_check, out_dir, check = sys.argv[1:6]
    rest = sys.argv[6:]
    if not os.path.exists(os.path.join(site, "app.wasm")):
        print(f"FAIL no browser build in {site}: run `make web` first")
        return 1
    with serve(site) as url:
        failures = {
            "lessons": lambda: check_lessons(url, brokersim, rest),
            "screenshot": lambda: check_screenshot(url, screenshot_check, out_dir),
            "share": lambda: check_share(url, brokersim, out_dir, rest[0]),
            "bad-input": lambda: check_bad_input(url),
        }[check]()
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
