"""Take the screenshots in docs/: the Japanese training handout, and the what-if in JupyterLab.

Run with ``make screenshots``. Needs Chromium and its driver (Debian: ``chromium
chromium-driver``), a font that draws Japanese (``fonts-noto-cjk``) and selenium (test
extra). The handout is rendered with ``oos-analysis training --lang ja`` and opened from disk;
JupyterLab is started on 127.0.0.1 with a random token, the what-if notebook is run there, and the
server is stopped again. Nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent


def browser(width: int, height: int) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--window-size={width},{height}", "--lang=ja-JP"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


def handout() -> Path:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([BIN / "oos-analysis", "training", "--lang", "ja", "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
        driver = browser(1100, 1400)
        try:
            driver.get((Path(out) / "training-ja.html").as_uri())
            time.sleep(1)
            target = DOCS / "training-handout-ja.png"
            driver.save_screenshot(str(target))
            # A second picture further down: the worked exercises.
            driver.execute_script(
                "document.evaluate(\"//h2[contains(., '10.')]\", document, null, 9, null)"
                ".singleNodeValue.scrollIntoView()")
            time.sleep(0.5)
            driver.save_screenshot(str(DOCS / "training-handout-ja-exercises.png"))
        finally:
            driver.quit()
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyterlab() -> Path:
    token, port = secrets.token_hex(16), _free_port()
    with tempfile.TemporaryDirectory() as home:
        # JupyterLab saves what it runs: run a copy, so notebooks/ stays without outputs.
        work = Path(home, "kit")
        (work / "notebooks").mkdir(parents=True)
        (work / "data").symlink_to(ROOT / "data")
        shutil.copy(ROOT / "notebooks" / "what-if.ipynb", work / "notebooks")
        # No "would you like news?" box over the picture.
        settings = Path(home, ".jupyter/lab/user-settings/@jupyterlab/apputils-extension")
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        server = subprocess.Popen(
            [BIN / "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work / 'notebooks'}",
             "--LabApp.news_url=",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={"HOME": home, "PATH": f"{BIN}:/usr/bin:/bin",
                 "MPLBACKEND": "module://matplotlib_inline.backend_inline"})
        driver = browser(1400, 1800)
        try:
            url = f"http://127.0.0.1:{port}/lab/tree/what-if.ipynb?token={token}"
            for _ in range(60):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(1)
            driver.get(url)
            wait = WebDriverWait(driver, 120)
            wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook")))
            time.sleep(5)  # the kernel starts
            driver.find_element(By.XPATH, "//div[contains(@class,'lm-MenuBar-itemLabel')]"
                                          "[text()='Run']").click()
            driver.find_element(By.XPATH, "//div[contains(@class,'lm-Menu-itemLabel')]"
                                          "[text()='Run All Cells']").click()
            try:
                wait.until(ready.presence_of_element_located(
                    (By.CSS_SELECTOR, ".jp-Notebook img")))
            except Exception:
                driver.save_screenshot("/tmp/what-if-failed.png")
                raise
            time.sleep(2)
            slider = driver.find_element(By.CSS_SELECTOR, ".widget-hslider")
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", slider)
            driver.execute_script("document.querySelector('.jp-WindowedPanel-outer')"
                                  ".scrollBy(0, -90);")
            time.sleep(1)
            target = DOCS / "what-if-jupyterlab.png"
            driver.save_screenshot(str(target))
        finally:
            driver.quit()
            server.terminate()
            server.wait(timeout=30)
    return target


if __name__ == "__main__":
    for made in (handout(), jupyterlab()):
        print(made)
