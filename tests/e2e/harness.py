"""Helpers for the browser tests: the database marker, addresses and accessibility checks."""

from __future__ import annotations

import pytest
from django.conf import settings

# Browser tests talk to a live server thread, which only sees committed rows: they run in
# transactional tests. available_apps makes the teardown flush TRUNCATE … CASCADE (tenant
# tables point at public ones); tests/e2e/conftest.py puts back what the flush removes.
E2E_DB = pytest.mark.django_db(transaction=True, available_apps=list(settings.INSTALLED_APPS))

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # <slug>.localhost resolves to loopback in Chromium anyway; this makes it independent of
    # IPv6 and of the resolver configuration of the machine.
    "--host-resolver-rules=MAP *.localhost 127.0.0.1, MAP localhost 127.0.0.1",
]

# Problems a page may not have; run in the page, returns a list of German descriptions.
_A11Y_SCRIPT = r"""
() => {
  const problems = [];
  const lang = document.documentElement.getAttribute("lang");
  if (!lang || !lang.trim()) problems.push("<html> hat kein lang-Attribut");
  if (!document.title.trim()) problems.push("Seite hat keinen <title>");
  const h1 = document.querySelectorAll("h1");
  if (h1.length !== 1) problems.push(`Seite hat ${h1.length} <h1> statt genau einem`);
  const text = (el) => (el.innerText || el.textContent || "").trim();
  const named = (el) => el.getAttribute("aria-label")
    || (el.getAttribute("aria-labelledby") || "").split(/\s+/).some(
         (id) => id && document.getElementById(id) && text(document.getElementById(id)));
  for (const el of document.querySelectorAll("input, select, textarea")) {
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (["hidden", "submit", "button", "reset", "image"].includes(type)) continue;
    const labelled = Array.from(el.labels || []).some((l) => text(l)) || named(el)
      || el.getAttribute("title");
    if (!labelled) problems.push(`Eingabefeld ohne Beschriftung: ${el.outerHTML.slice(0, 120)}`);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`Bild ohne alt: ${img.outerHTML.slice(0, 120)}`);
  }
  for (const el of document.querySelectorAll("a[href], button")) {
    const imgAlt = Array.from(el.querySelectorAll("img[alt]")).some((i) => i.alt.trim());
    if (!text(el) && !named(el) && !imgAlt && !el.getAttribute("title"))
      problems.push(`Link/Schaltfläche ohne Namen: ${el.outerHTML.slice(0, 120)}`);
  }
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) problems.push(`doppelte id: ${el.id}`);
    seen.add(el.id);
  }
  if (!document.querySelector("main")) problems.push("Seite hat kein <main>");
  return problems;
}
"""


def a11y_problems(page) -> list[str]:
    """Automated accessibility smoke check of the current page (not a full WCAG audit):
    html lang, a title, exactly one h1, labels for every field, alt on images, names for
    links and buttons, unique ids, a main landmark."""
    return page.evaluate(_A11Y_SCRIPT)


def assert_accessible(page) -> None:
    problems = a11y_problems(page)
    assert problems == [], f"{page.url}: " + "; ".join(problems)


def focused(page) -> dict:
    """The focused element: tag, class, text, id and whether its focus ring is visible."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          const box = el.getBoundingClientRect();
          const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
            || (style.boxShadow && style.boxShadow !== "none");
          const onScreen = box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
            && box.left < window.innerWidth && box.top < window.innerHeight;
          return {tag: el.tagName.toLowerCase(), cls: el.className, id: el.id,
                  text: (el.innerText || "").trim(), href: el.getAttribute("href"),
                  ringVisible: Boolean(ring), onScreen};
        }"""
    )
