#!/bin/sh
# Installs everything the handouts need on Debian/Ubuntu, idempotently:
# system libraries (Pango, HarfBuzz subset), Noto fonts, PDF tools, and the
# Python package with its test tools in ./.venv, exactly as uv.lock pins them.
#
#   scripts/setup.sh            install the lock into .venv (removes anything else there)
#   scripts/setup.sh --latest   install the newest releases pyproject.toml allows into
#                               .venv-latest and run the tests there; uv.lock is not touched
set -eu
cd "$(dirname "$0")/.."

latest=0
case "${1:-}" in
  "") ;;
  --latest) latest=1 ;;
  *) echo "usage: scripts/setup.sh [--latest]" >&2; exit 2 ;;
esac

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES="python3 python3-venv python3-pip libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b
  libharfbuzz-subset0 fontconfig fonts-noto-core fonts-noto-cjk poppler-utils gettext
  zbar-tools chromium"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# npm installs axe-core for the accessibility tests (any Node.js will do).
command -v npm >/dev/null || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
  echo "Installing system packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# uv itself, pinned with hashes, in a folder of its own so that syncing .venv never removes it.
UV=.tools/bin/uv
want=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' scripts/uv-requirements.txt)
if ! [ -x "$UV" ] || [ "$("$UV" --version | cut -d' ' -f2)" != "$want" ]; then
  rm -rf .tools
  python3 -m venv .tools
  .tools/bin/python -m pip install -q --disable-pip-version-check --require-hashes \
    -r scripts/uv-requirements.txt
fi
# Debian's python3, never a downloaded interpreter.
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
PYTHON=$(command -v python3)

# Fails, saying what is missing, unless this machine has everything the leaflets and the
# tests use: the tools below, and what the program's own start-up check (check_system)
# wants, with the HarfBuzz subsetter required here rather than only warned about.
verify() {
  for pair in fc-list:fontconfig msgfmt:gettext pdftoppm:poppler-utils pdftotext:poppler-utils \
              zbarimg:zbar-tools; do
    command -v "${pair%%:*}" >/dev/null || {
      echo "scripts/setup.sh: ${pair%%:*} is missing; install the ${pair#*:} package" >&2
      exit 1; }
  done
  command -v chromium >/dev/null || command -v chromium-browser >/dev/null || {
    echo "scripts/setup.sh: chromium is missing; install Debian's chromium package" >&2
    exit 1; }
  "$1" - <<'PY'
import sys

from handouts.errors import SetupError
from handouts.pdf import check_system

try:
    problems = check_system()
except SetupError as error:
    problems = [str(error)]
if problems:
    sys.exit("\n".join(f"scripts/setup.sh: {problem}" for problem in problems))
PY
}

# axe-core exactly as package-lock.json pins it (the gallery's accessibility test).
if ! [ node_modules/.package-lock.json -nt package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
fi

if [ "$latest" = 0 ]; then
  # --locked: refuse to run if uv.lock no longer matches pyproject.toml.
  # --compile-bytecode: each build and worker process imports WeasyPrint in 0.4 s, not
  # 1 s, also where PYTHONDONTWRITEBYTECODE keeps Python from caching it on first use.
  UV_PROJECT_ENVIRONMENT=.venv "$UV" sync -q --locked --extra test --compile-bytecode --python "$PYTHON"
  verify .venv/bin/python
  exit 0
fi

"$UV" venv -q --allow-existing --python "$PYTHON" .venv-latest
"$UV" pip install -q --compile-bytecode --python .venv-latest/bin/python --upgrade \
  --reinstall-package handouts \
  -e '.[test]'
verify .venv-latest/bin/python
echo "Newest releases allowed by pyproject.toml, in .venv-latest:"
"$UV" pip list --python .venv-latest/bin/python \
  | grep -iE '^(weasyprint|babel|jinja2|click|pydyf|fonttools|nh3|pytest|ruff|mypy) '
.venv-latest/bin/python -m pytest
