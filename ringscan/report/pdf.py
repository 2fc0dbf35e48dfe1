"""Print ring pages to PDF (A4) with headless Chromium, offline.

The page's own ``@page`` rules make the sheet: A4 portrait, ring id, page
number and "masked"/"unmasked" in the margins. Chromium runs with a fresh
profile and its background networking off; pages carry a Content-Security-Policy
that forbids any request, so printing needs no network either.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["ChromiumMissing", "find_chromium", "print_pdf", "CHROMIUM_FLAGS", "INSTALL_HINT"]

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw")
INSTALL_HINT = ("printing to PDF needs Chromium (headless): on Debian/Ubuntu `sudo apt-get install chromium "
                "fonts-noto-cjk`, elsewhere install Chromium or Google Chrome and set RINGSCAN_CHROMIUM to its path; "
                "or open the ring pages in a browser and print them (A4)")
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
TIMEOUT_S = 120


class ChromiumMissing(ValueError):
    """No Chromium to print with; the message says how to install one."""


def find_chromium() -> str:
    explicit = os.environ.get("RINGSCAN_CHROMIUM")
    if explicit:
        if Path(explicit).exists():
            return explicit
        raise ChromiumMissing(f"RINGSCAN_CHROMIUM={explicit} does not exist; {INSTALL_HINT}")
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumMissing(INSTALL_HINT)


def print_pdf(html: Path, pdf: Path, chromium: str | None = None) -> Path:
    """Print ``html`` (a file) to ``pdf`` and return its path."""
    chromium = chromium or find_chromium()
    pdf = Path(pdf)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ringscan-chromium-") as profile:
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf.resolve()}",
                   Path(html).resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            raise ValueError(f"Chromium did not finish printing {html} within {TIMEOUT_S} s") from exc
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise ValueError(f"Chromium could not print {html} (exit {done.returncode}): {' | '.join(tail)}")
    return pdf
