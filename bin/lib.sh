# Shared by bin/start and bin/test: find Python 3.12+ and keep .venv in step with
# requirements.txt. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
      'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  local root
  root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  for candidate in "$root"/versions/3.13*/bin/python3 "$root"/versions/3.12*/bin/python3; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

ensure_venv() {
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c \
    'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    local python
    if ! python="$(find_python)"; then
      echo "Claimwatch needs Python 3.12 or newer (Django 6.1 does)." >&2
      echo "Install one, e.g. 'apt-get install python3.12' or 'pyenv install 3.13', then run this again." >&2
      exit 1
    fi
    echo "==> creating .venv with $python"
    rm -rf .venv
    "$python" -m venv .venv
  fi
  local stamp=.venv/.requirements.sha256
  local want
  want="$(sha256sum requirements.txt | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> installing requirements into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r requirements.txt
    echo "$want" > "$stamp"
  fi
  export PATH="$ROOT/.venv/bin:$PATH"
}
