# Shared helpers for scripts/demo, scripts/test, scripts/i18n and .ci/run (sourced, not run).
# Everything needed is installed from PyPI (uv, then the locked Python dependencies), from the
# npm registry (axe-core for the browser tests, pinned in package-lock.json) and, when running as
# root, from Debian's packages. Nothing is downloaded from anywhere else.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}"  # use the machine's Python (>= 3.11)
export UV_NO_PROGRESS=1
export PATH="$HOME/.local/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

is_root() { [ "$(id -u)" = "0" ]; }

_apt_updated=0
apt_install() {
    # apt_install PACKAGE... : install Debian packages (root only); returns 1 when impossible.
    if ! is_root; then
        log "Not root: cannot install Debian packages $* (install them with: sudo apt-get install $*)"
        return 1
    fi
    if [ "$_apt_updated" = 0 ]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
        _apt_updated=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

ensure_command() {
    # ensure_command COMMAND DEBIAN_PACKAGE : install the package when the command is missing.
    command -v "$1" >/dev/null 2>&1 || apt_install "$2" || true
    command -v "$1" >/dev/null 2>&1
}

find_python() {
    for candidate in python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    log "Python >= 3.11 is required (Debian: apt-get install python3)."
    return 1
}

ensure_uv() {
    if command -v uv >/dev/null 2>&1; then
        return 0
    fi
    local py
    py="$(find_python)"
    if ! "$py" -m pip --version >/dev/null 2>&1; then
        apt_install python3-pip python3-venv || true
    fi
    log "Installing uv with pip"
    "$py" -m pip install --user --quiet uv 2>/dev/null ||
        "$py" -m pip install --user --quiet --break-system-packages uv 2>/dev/null ||
        "$py" -m pip install --quiet --break-system-packages uv
    hash -r
    command -v uv >/dev/null 2>&1 || { log "uv could not be installed"; return 1; }
}

sync_python_deps() {
    ensure_uv
    log "uv sync --frozen (Python dependencies from uv.lock)"
    uv sync --frozen
}

install_node_modules() {
    # axe-core for the accessibility browser test, from the npm registry at the version pinned in
    # package-lock.json. Only when node_modules is missing or older than the lock file; nothing
    # is downloaded while the tests run. Tests only: the Docker image does not need it.
    if [ -f node_modules/axe-core/axe.min.js ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
        return 0
    fi
    ensure_command npm npm || { log "npm (Debian package npm) missing: the accessibility browser test will fail"; return 1; }
    log "npm ci (axe-core for the browser tests, from package-lock.json)"
    npm ci --no-audit --no-fund --ignore-scripts </dev/null
}

compile_translations() {
    if ! compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then
        log "no translation catalogue yet (run ./scripts/i18n)"
    elif ensure_command msgfmt gettext; then
        log "compilemessages"
        DEBUG=1 .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules >/dev/null
    else
        log "msgfmt (Debian package gettext) missing: using the committed .mo files"
    fi
}
