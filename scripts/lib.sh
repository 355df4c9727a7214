# Shared set-up for scripts/demo and scripts/test. Sourced, not run.
# Everything it creates lives in .local/ (ignored by git) except the system
# packages it installs with apt-get when they are missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
VENV="$LOCAL/venv"
PY="$VENV/bin/python"
mkdir -p "$LOCAL"

say() { printf '\033[1m[d2d]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[d2d] error:\033[0m %s\n' "$*" >&2; exit 1; }

# --- Odoo 18 source tree ----------------------------------------------------
# ODOO_PATH points at a tree holding odoo-bin and odoo/ (Odoo 18 community).
# Without it, a few usual places are tried, the first one being the checkout
# these machines use.
find_odoo() {
    local candidates=()
    if [ -n "${ODOO_PATH:-}" ]; then
        candidates=("$ODOO_PATH")
    else
        candidates=(/work/odoo18 "$ROOT/../odoo18" /opt/odoo18 /opt/odoo)
    fi
    local dir
    for dir in "${candidates[@]}"; do
        if [ -f "$dir/odoo-bin" ] && [ -f "$dir/odoo/release.py" ]; then
            if grep -qE "^version_info = \(18, 0" "$dir/odoo/release.py"; then
                ODOO_PATH="$(cd "$dir" && pwd)"
                export ODOO_PATH
                return 0
            fi
            die "$dir holds Odoo, but not Odoo 18 (see $dir/odoo/release.py). Point ODOO_PATH at an Odoo 18 tree."
        fi
    done
    if [ -n "${ODOO_PATH:-}" ]; then
        die "ODOO_PATH=$ODOO_PATH has no odoo-bin and odoo/release.py. Point ODOO_PATH at an Odoo 18 community source tree, e.g. ODOO_PATH=/path/to/odoo18 $0"
    fi
    die "Odoo 18 not found (looked in: ${candidates[*]}). Check out an Odoo 18 community source tree (a folder with odoo-bin and odoo/) and run: ODOO_PATH=/path/to/odoo18 $0"
}

# --- Python -----------------------------------------------------------------
ensure_venv() {
    local python="${PYTHON:-}"
    if [ -z "$python" ]; then
        python="$(command -v python3.11 || command -v python3 || true)"
    fi
    [ -n "$python" ] || die "Python 3.11 not found: install it, or set PYTHON=/path/to/python3.11"
    "$python" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
        || die "$python is not Python 3.11, which Odoo 18 and our pinned requirements need. Set PYTHON=/path/to/python3.11"
    if [ ! -x "$PY" ]; then
        say "creating the virtualenv in .local/venv"
        "$python" -m venv "$VENV"
    fi
    local stamp="$VENV/.requirements.sha"
    local want
    want="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing the pinned requirements"
        "$PY" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.txt" 2> >(grep -v "is ignored: it is neither" >&2) \
            || die "pip could not install requirements.txt (see the messages above)"
        echo "$want" > "$stamp"
    fi
}

# --- System packages --------------------------------------------------------
ensure_apt_packages() {   # ensure_apt_packages <command>:<package> ...
    local missing=() item
    for item in "$@"; do
        command -v "${item%%:*}" >/dev/null 2>&1 || missing+=("${item#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]} with apt-get"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q "${missing[@]}" >"$LOCAL/apt.log" 2>&1 \
        || { $sudo apt-get update -q >>"$LOCAL/apt.log" 2>&1 && $sudo apt-get install -y -q "${missing[@]}" >>"$LOCAL/apt.log" 2>&1; } \
        || die "apt-get could not install ${missing[*]} (see .local/apt.log)"
}

# --- PostgreSQL -------------------------------------------------------------
# Uses the server answering on 127.0.0.1:5432 when there is one (with a role of
# our own, since Odoo refuses the superuser 'postgres'); otherwise starts a
# private cluster in .local/pgdata (always, with D2D_PG_PRIVATE=1).
PG_ROLE="${D2D_PG_ROLE:-d2d}"
pg_bindir() {
    local dir
    dir="$(pg_config --bindir 2>/dev/null || true)"
    [ -x "$dir/initdb" ] || dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -x "$dir/initdb" ] || die "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL 15 (apt-get install postgresql)"
    echo "$dir"
}

ensure_postgres() {
    # D2D_PG_PRIVATE=1 forces the private cluster even when a server answers.
    if [ -z "${D2D_PG_PRIVATE:-}" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null \
        && psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
        PG_HOST=127.0.0.1 PG_PORT=5432
        if [ -z "$(psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_roles where rolname='$PG_ROLE'")" ]; then
            say "creating the PostgreSQL role $PG_ROLE"
            psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE ROLE \"$PG_ROLE\" LOGIN SUPERUSER" \
                || die "could not create the PostgreSQL role $PG_ROLE"
        fi
        return 0
    fi
    start_private_cluster
}

start_private_cluster() {
    local bindir base="$LOCAL/pg" run=()
    bindir="$(pg_bindir)"
    mkdir -p "$base"
    # initdb and postgres refuse to run as root: as root, run them as the
    # user 'postgres', in a folder it owns.
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        run=(runuser -u postgres --)
        chown postgres "$base"
        if ! runuser -u postgres -- test -w "$base"; then
            # A parent folder of the project is private (mktemp -d, a home):
            # keep the cluster in a folder of its own outside, linked from .local/pg.
            local outside
            outside="/var/tmp/d2d-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
            mkdir -p "$outside" && chown postgres "$outside" && chmod 700 "$outside"
            rmdir "$base" 2>/dev/null || rm -f "$base"
            ln -sfn "$outside" "$base"
            base="$outside"
            say "PostgreSQL's user cannot reach $LOCAL (a parent folder is private): the private cluster lives in $outside"
        fi
    fi
    PG_HOST="$base/sock" PG_PORT="${D2D_PG_PORT:-54329}"
    "${run[@]}" mkdir -p "$base/sock"
    if [ ! -f "$base/data/PG_VERSION" ]; then
        say "creating a private PostgreSQL cluster in .local/pg"
        "${run[@]}" "$bindir/initdb" -D "$base/data" -U "$PG_ROLE" --auth=trust -E UTF8 --locale=C.UTF-8 \
            >"$LOCAL/initdb.log" 2>&1 || die "initdb failed (see .local/initdb.log)"
    fi
    if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; then
        say "starting the private PostgreSQL cluster (socket in .local/pg/sock, port $PG_PORT)"
        "${run[@]}" "$bindir/pg_ctl" -D "$base/data" -l "$base/postgres.log" -w start \
            -o "-k $PG_HOST -p $PG_PORT -c listen_addresses='' -c fsync=off -c full_page_writes=off" >/dev/null \
            || die "the private PostgreSQL cluster did not start (see .local/pg/postgres.log)"
    fi
}

# --- Odoo configuration -----------------------------------------------------
free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_odoo_conf() {   # write_odoo_conf <file> <http port>
    cat >"$1" <<CONF
[options]
addons_path = $ODOO_PATH/odoo/addons,$ROOT
data_dir = $LOCAL/data
db_host = $PG_HOST
db_port = $PG_PORT
db_user = $PG_ROLE
db_password = False
http_port = $2
admin_passwd = d2d-admin
list_db = True
CONF
}

odoo_bin() {
    PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}" "$PY" "$ODOO_PATH/odoo-bin" "$@"
}

drop_db() {   # drop_db <name>
    local conn=(-h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" -d postgres)
    PGOPTIONS="-c client_min_messages=warning" psql -q "${conn[@]}" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null
    rm -rf "$LOCAL/data/filestore/$1"
}

setup_all() {
    find_odoo
    ensure_venv
    ensure_postgres
}
