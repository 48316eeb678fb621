"""Look at a rendered report in a real browser: the system's headless Chromium, through selenium.

Used by the layout test and by ``make screenshots``. :func:`find_chromium` says whether a browser
and its driver are installed (Debian: ``apt-get install chromium chromium-driver``);
:func:`layout_problems` opens a page at a given width and lists what does not fit: the page wider
than the screen, a table wider than its box when that box does not scroll, an image wider than the
page. :func:`screenshot` saves the first screen at a width. selenium is in the ``test`` extra and
imported inside the functions.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

__all__ = ["find_chromium", "browser", "layout_problems", "screenshot"]

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")

# For every table: is it wider than the box around it, and does some ancestor scroll sideways?
_CHECK = """
const out = [];
const view = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth > view + 1) {
  out.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${view} px window`);
}
document.querySelectorAll('table').forEach((table, i) => {
  let node = table.parentElement, scrolls = false;
  while (node && node !== document.body) {
    const style = getComputedStyle(node).overflowX;
    if ((style === 'auto' || style === 'scroll') && node.clientWidth < view + 1) {
      scrolls = true; break;
    }
    node = node.parentElement;
  }
  const width = table.getBoundingClientRect().width;
  const box = table.parentElement.clientWidth;
  if (width > box + 1 && !scrolls) {
    const caption = table.caption ? table.caption.textContent : `table ${i + 1}`;
    out.push(`"${caption}" is ${Math.round(width)} px wide in a ${box} px box that does not scroll`);
  }
});
document.querySelectorAll('img').forEach((img, i) => {
  if (img.getBoundingClientRect().right > view + 1) {
    out.push(`chart ${i + 1} reaches past the right edge of the page`);
  }
});
return out;
"""


def find_chromium() -> tuple[str, str] | None:
    """Return the paths of a Chromium browser and its chromedriver, or None when either is missing."""
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            driver = shutil.which("chromedriver")
            return (found, driver) if driver else None
    return None


@contextmanager
def browser():
    """A headless Chromium driven by selenium; closed on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_chromium()
    if found is None:
        raise RuntimeError("no Chromium with chromedriver on PATH "
                           "(Debian: apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(found[1]))
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver, page: Path, width: int, height: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get(Path(page).resolve().as_uri())


def layout_problems(driver, page: Path, width: int, height: int = 900) -> list[str]:
    """Open ``page`` at ``width`` CSS pixels and return what does not fit (empty when all does)."""
    _open(driver, page, width, height)
    return list(driver.execute_script(_CHECK))


def screenshot(driver, page: Path, target: Path, width: int, height: int) -> Path:
    """Save the first ``width`` x ``height`` pixels of ``page`` as a PNG at ``target``."""
    _open(driver, page, width, height)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})["data"]
    import base64

    target.write_bytes(base64.b64decode(data))
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m oos_analysis.report.browser REPORT.html DIR``: the screenshots of ``make
    screenshots`` (the first screen at 1280 x 900 and a phone's first screens at 400 x 1600)."""
    import sys

    page, folder = (sys.argv[1:] if argv is None else argv)[:2]
    with browser() as driver:
        for name, width, height in (("report-1280.png", 1280, 900), ("report-400.png", 400, 1600)):
            print(screenshot(driver, Path(page), Path(folder) / name, width, height))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
