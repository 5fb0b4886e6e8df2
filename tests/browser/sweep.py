"""The sweep of tests/browser/test_every_page.py: open pages one after another in one browser context,
screenshot each, and check what a person would notice (the page is wider than the screen, text too small to
read, raw template syntax, console errors and CSP violations) and, with axe-core, what a screen reader user
would.

Problems are collected, one line per page and problem, rather than raised, so one run shows every page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.browser.conftest import PageProblems, watch_page
from tests.browser.pages import Route

ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = ROOT / "var" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
HEIGHTS = {375: 812, 1280: 900}
# The smallest text a person should have to read, in CSS pixels as drawn on the screen.
MIN_TEXT_PX = 12
AXE_IMPACTS = ("serious", "critical")

# One pass over the page, returning plain values. Text size is the computed font size times the element's
# on-screen scale: its drawn width over its layout width for HTML (CSS transforms), the screen matrix for SVG
# (a viewBox drawn smaller than its user units shrinks its text). Hidden text, text only for screen readers
# (.visually-hidden, .sr-only) and text drawn at no size are not read by anyone's eyes, so they are skipped.
_CHECKS = """
(minText) => {
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    const classes = (el.getAttribute("class") || "").trim().split(/\\s+/).filter(Boolean).slice(0, 3);
    return classes.length ? s + "." + classes.join(".") : s;
  };
  const where = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
      parts.unshift(describe(e));
    }
    return parts.join(" > ");
  };
  const clip = (text, n) => text.replace(/\\s+/g, " ").trim().slice(0, n);
  const width = window.innerWidth;
  const found = {scrollWidth: document.scrollingElement.scrollWidth, width,
                 overflow: null, small: [], raw: []};

  if (found.scrollWidth > width) {
    // The element whose right edge sets the page's width (the deepest, when nested ones end together), and
    // the widest element past the screen's edge that no scrolling or clipping box around it holds in.
    let reaching = null, widest = null;
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      const right = box.right + window.scrollX;
      if ((box.width === 0 && box.height === 0) || right <= width + 0.5) continue;
      const seen = {where: where(el), width: Math.round(box.width), right: Math.round(right),
                    text: clip(el.innerText || el.textContent || "", 40)};
      // Shapes inside an SVG never reach past the SVG, which clips them.
      if (Math.abs(right - found.scrollWidth) <= 1 && !el.ownerSVGElement) reaching = seen;
      let clipped = false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== "visible") { clipped = true; break; }
      }
      if (!clipped && (!widest || box.width > widest.width)) widest = seen;
    }
    found.overflow = {reaching, widest};
  }

  const range = document.createRange();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.nodeValue.trim()) continue;
    const el = node.parentElement;
    if (!el || el.closest(".visually-hidden, .sr-only, script, style, noscript, template")) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true,
                             opacityProperty: true, visibilityProperty: true})) continue;
    range.selectNodeContents(node);
    const drawn = range.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    if (drawn.width < 1 || drawn.height < 1 || box.width <= 1 || box.height <= 1) continue;
    // offsetWidth is rounded to whole pixels, so a difference under a pixel is rounding, not a transform.
    let scale = 1;
    if (el instanceof SVGElement) {
      const m = el.getScreenCTM();
      if (m) scale = Math.hypot(m.a, m.b);
    } else if (el.offsetWidth && Math.abs(box.width - el.offsetWidth) >= 1) {
      scale = box.width / el.offsetWidth;
    }
    const size = parseFloat(getComputedStyle(el).fontSize) * scale;
    if (size < minText - 0.05) found.small.push({size: Math.round(size * 10) / 10, where: where(el),
                                                 text: clip(node.nodeValue, 30)});
  }

  const lines = [document.title, ...document.body.innerText.split("\\n")];
  found.raw = lines.filter((line) => /\\{[#%{]/.test(line)).map((line) => clip(line, 80));
  return found;
}
"""

_AXE_RUN = """
async (impacts) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter((v) => impacts.includes(v.impact)).map((v) => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    summary: (v.nodes[0] && v.nodes[0].failureSummary || "").replace(/\\s+/g, " ").slice(0, 160),
  }));
}
"""


@dataclass
class Sweep:
    """One account at one width: the pages it opened and every problem found, one line each."""

    account: str
    width: int
    opened: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def fail(self, name: str, problem: str) -> None:
        self.failures.append(f"{name} [{self.account} {self.width}px]: {problem}")

    def passed(self) -> list[str]:
        failed = {line.split(" [", 1)[0] for line in self.failures}
        return [name for name in self.opened if name not in failed]


def _log_in(context, live_server, user) -> None:
    """A session made on the server side: the login form is a page of the sweep, not its way in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def _describe_overflow(found: dict) -> str:
    text = f"wider than the screen: scrollWidth {found['scrollWidth']} > {found['width']}"
    overflow = found["overflow"] or {}
    if reaching := overflow.get("reaching"):
        text += f"; reaching to {reaching['right']} px: {reaching['where']} {reaching['text']!r}"
    widest = overflow.get("widest")
    if widest and widest != reaching:
        text += f"; widest: {widest['where']} ({widest['width']} px wide) {widest['text']!r}"
    return text


def _describe_small(small: list[dict]) -> str:
    groups = Counter((item["size"], item["where"]) for item in small)
    examples = {(item["size"], item["where"]): item["text"] for item in small}
    parts = [
        f"{size}px at {where} {examples[(size, where)]!r} x{n}" for (size, where), n in groups.most_common(5)
    ]
    more = f" (and {len(groups) - 5} more places)" if len(groups) > 5 else ""
    return f"text under {MIN_TEXT_PX}px, {len(small)} texts: " + "; ".join(parts) + more


def _check_response(sweep: Sweep, route: Route, response, page, logged_in: bool) -> bool:
    if response is None:
        sweep.fail(route.name, "no response")
        return False
    if response.status >= 400:
        sweep.fail(route.name, f"answered {response.status} at {page.url}")
        return False
    kind = response.headers.get("content-type", "")
    if not kind.startswith("text/html"):
        sweep.fail(route.name, f"answered {kind!r}, not HTML: if it is not a page, add it to NOT_PAGES")
        return False
    if logged_in and page.url.split("?")[0].endswith(reverse("login")):
        sweep.fail(route.name, f"sent a logged-in person to log in ({page.url})")
        return False
    return True


# Folded content (a <details> menu, a table under a chart) is read once opened, so it is checked opened too.
_OPEN_DETAILS = """() => {
  const closed = [...document.querySelectorAll("details:not([open])")];
  closed.forEach((details) => { details.open = true; });
  return closed.length;
}"""


# Capture is one tap away on every page: a link to it is on screen, before any scrolling, at every width.
_CAPTURE_IN_REACH = """(href) => [...document.querySelectorAll(`a[href="${href}"]`)].some((a) => {
  const box = a.getBoundingClientRect();
  return a.checkVisibility() && box.width > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
})"""


def _check_page(sweep: Sweep, route: Route, page, logged_in: bool) -> None:
    if logged_in and not page.evaluate(_CAPTURE_IN_REACH, reverse("capture")):
        sweep.fail(route.name, "no link to capture on screen: it must be one tap away on every page")
    found = page.evaluate(_CHECKS, MIN_TEXT_PX)
    if found["scrollWidth"] > found["width"]:
        sweep.fail(route.name, _describe_overflow(found))
    if found["small"]:
        sweep.fail(route.name, _describe_small(found["small"]))
    for line in found["raw"]:
        sweep.fail(route.name, f"raw template syntax in the visible text: {line!r}")
    if not page.evaluate(_OPEN_DETAILS):
        return
    opened = page.evaluate(_CHECKS, MIN_TEXT_PX)
    if opened["scrollWidth"] > opened["width"] and not found["scrollWidth"] > found["width"]:
        sweep.fail(route.name, "with every <details> open, " + _describe_overflow(opened))
    seen = {(item["where"], item["text"]) for item in found["small"]}
    if small := [item for item in opened["small"] if (item["where"], item["text"]) not in seen]:
        sweep.fail(route.name, "with every <details> open, " + _describe_small(small))
    for line in set(opened["raw"]) - set(found["raw"]):
        sweep.fail(route.name, f"with every <details> open, raw template syntax: {line!r}")


def _check_axe(sweep: Sweep, route: Route, axe_page, url: str) -> None:
    axe_page.goto(url)
    for v in axe_page.evaluate(_AXE_RUN, list(AXE_IMPACTS)):
        targets = ", ".join(v["targets"])
        where = f"on {v['count']} elements, e.g. {targets}"
        sweep.fail(route.name, f"axe {v['impact']} {v['id']} ({v['help']}) {where}: {v['summary']}")


def _open_one(sweep: Sweep, route: Route, url: str, page, problems: PageProblems, logged_in: bool) -> None:
    console, csp = len(problems.console), len(problems.csp)
    response = page.goto(url)
    if _check_response(sweep, route, response, page, logged_in):
        page.screenshot(path=SCREENSHOTS / f"{route.name}-{sweep.account}-{sweep.width}.png", full_page=True)
        _check_page(sweep, route, page, logged_in)
    for message in problems.console[console:]:
        sweep.fail(route.name, f"console error: {message}")
    for message in problems.csp[csp:]:
        sweep.fail(route.name, f"CSP violation: {message}")


def sweep_pages(
    browser, live_server, user, routes: list[Route], *, account: str, width: int, axe: bool
) -> Sweep:
    """Open every route in one context as `user` (logged out for the visitor), at `width`; with `axe`, run
    axe-core on each page too, in a second context that bypasses the CSP (axe is injected as a script)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sweep = Sweep(account, width)
    logged_in = account != "visitor"
    viewport = {"width": width, "height": HEIGHTS[width]}
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    context.set_default_timeout(10_000)
    if logged_in:
        _log_in(context, live_server, user)
    problems = PageProblems()
    page = context.new_page()
    watch_page(page, problems)
    axe_page = None
    if axe:
        axe_context = browser.new_context(
            viewport=viewport,
            base_url=live_server.url,
            bypass_csp=True,
            storage_state=context.storage_state(),
        )
        axe_context.set_default_timeout(20_000)
        axe_context.add_init_script(path=AXE)
        axe_page = axe_context.new_page()
    for route in routes:
        sweep.opened.append(route.name)
        try:
            url = route.url(user)
            _open_one(sweep, route, url, page, problems, logged_in)
            if axe_page is not None:
                _check_axe(sweep, route, axe_page, url)
        except Exception as error:  # A page that cannot be opened is one more line of the report.
            first_line = (str(error).splitlines() or [""])[0]
            sweep.fail(route.name, f"could not be checked: {type(error).__name__}: {first_line}")
    context.close()
    if axe_page is not None:
        axe_page.context.close()
    return sweep
