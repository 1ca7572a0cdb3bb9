#!/usr/bin/env bash
# saraban local stack: PostgreSQL, MinIO and the Temporal dev server on loopback.
#
#   bash deploy/local/stack.sh install        Debian packages + pinned tools (go install)
#   bash deploy/local/stack.sh up             install, start what is not running, wait until ready
#   bash deploy/local/stack.sh down           stop everything (SIGTERM, then SIGKILL after a timeout)
#   bash deploy/local/stack.sh status         one line per service; exit 1 if any is not ready
#   bash deploy/local/stack.sh logs [-f] [postgres|minio|temporal]
#   bash deploy/local/stack.sh env            export lines for the settings (eval "$(... env)")
#   bash deploy/local/stack.sh wait           wait until every service answers
#   bash deploy/local/stack.sh reset          down, then delete all state
#   bash deploy/local/stack.sh stop-temporal | start-temporal
#
# State lives in $SARABAN_STATE (default <repo>/.state); tools in $SARABAN_TOOLS
# (default ~/.cache/saraban/tools) so that every clone on the machine shares them.
# Ports can be moved with SARABAN_PG_PORT, SARABAN_MINIO_PORT, SARABAN_MINIO_CONSOLE_PORT,
# SARABAN_TEMPORAL_PORT, SARABAN_TEMPORAL_UI_PORT (the binary's defaults are the defaults here;
# with other ports, eval "$(stack.sh env)" before running saraban or the tests).
set -Eeuo pipefail
trap 'echo "stack: internal error: \"$BASH_COMMAND\" failed (exit $?) at line $LINENO of $0" >&2' ERR

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd -P)
STACK_SH="$SCRIPT_DIR/$(basename "${BASH_SOURCE[0]}")"

STATE=${SARABAN_STATE:-$REPO/.state}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd -P)
case "$STATE" in
/ | "$REPO" | "${HOME:-/root}" | /tmp | /var | /usr | /etc)
    echo "stack: error: refusing to use $STATE as the state directory" >&2
    exit 2
    ;;
esac
TOOLS=${SARABAN_TOOLS:-${HOME:-/root}/.cache/saraban/tools}

HOST=127.0.0.1
PG_PORT=${SARABAN_PG_PORT:-55432}
MINIO_PORT=${SARABAN_MINIO_PORT:-59000}
MINIO_CONSOLE_PORT=${SARABAN_MINIO_CONSOLE_PORT:-59001}
TEMPORAL_PORT=${SARABAN_TEMPORAL_PORT:-57233}
TEMPORAL_UI_PORT=${SARABAN_TEMPORAL_UI_PORT:-58233}
WAIT_TIMEOUT=${SARABAN_WAIT_TIMEOUT:-90} # seconds, per service
STOP_TIMEOUT=${SARABAN_STOP_TIMEOUT:-30} # seconds before SIGKILL

PG_USER=saraban PG_PASSWORD=saraban PG_DB=saraban
PG_SUPERUSER=postgres PG_SUPERPASSWORD=saraban-admin
MINIO_USER=saraban MINIO_PASSWORD=saraban-secret

TEMPORAL_PKG=github.com/temporalio/cli/cmd/temporal
TEMPORAL_MOD=github.com/temporalio/cli
TEMPORAL_VERSION=v1.5.1
MINIO_PKG=github.com/minio/minio
MINIO_MOD=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

# Debian packages: the services, the PDF/OCR tools the code shells out to, Thai fonts,
# and what this script and the Makefile themselves use.
APT_PACKAGES=(postgresql poppler-utils qpdf mupdf-tools libnss3-tools fonts-thai-tlwg-ttf
    tesseract-ocr tesseract-ocr-tha curl make python3-aiosmtpd
    chromium libreoffice-writer-nogui fonts-noto-core)

LOGS=$STATE/logs
RUN=$STATE/run
MINIO_DATA=$STATE/minio
TEMPORAL_DIR=$STATE/temporal
TEMPORAL_DB=$TEMPORAL_DIR/temporal.db
SERVICES=(postgres minio temporal)

# Go may not be on PATH in a non-login CI shell.
for d in /usr/local/go/bin "${HOME:-/root}/go/bin"; do
    [[ -d $d && ":$PATH:" != *":$d:"* ]] && PATH="$PATH:$d"
done
export PATH

say() { printf 'stack: %s\n' "$*"; }
warn() { printf 'stack: %s\n' "$*" >&2; }
die() {
    printf 'stack: error: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- processes and ports

# alive PID: the process exists and is not a zombie (PID 1 here may not reap orphans).
alive() {
    local pid=${1:-} st
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/stat ]] || return 1
    st=$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z && $st != X ]]
}

cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | cut -c1-300; }

# is_ours PID BINARY MARKER: PID runs BINARY (argv[0] basename) with MARKER as one of its arguments.
is_ours() {
    local pid=$1 bin=$2 marker=$3 a args=()
    alive "$pid" || return 1
    mapfile -d '' -t args 2>/dev/null <"/proc/$pid/cmdline" || return 1
    [[ ${#args[@]} -gt 1 && $(basename -- "${args[0]}") == "$bin" ]] || return 1
    for a in "${args[@]:1}"; do [[ $a == "$marker" ]] && return 0; done
    return 1
}

# has_args PID ARG...: the process's arguments contain ARG... consecutively.
has_args() {
    local pid=$1 args=() i j n
    shift
    mapfile -d '' -t args 2>/dev/null <"/proc/$pid/cmdline" || return 1
    n=$#
    for ((i = 1; i + n <= ${#args[@]}; i++)); do
        local want=("$@") ok=1
        for ((j = 0; j < n; j++)); do [[ ${args[i + j]} == "${want[j]}" ]] || { ok=0 && break; }; done
        ((ok)) && return 0
    done
    return 1
}

# settings_differ NAME PID CURRENT: die because our own server runs with other ports.
settings_differ() {
    die "$1: this stack's $1 (pid $2) is running, but not with the current settings ($3).
  It was started with other ports; stop it first: bash $STACK_SH down"
}

# find_ours BINARY MARKER: the first live process matching is_ours (orphans without a pid file).
find_ours() {
    local bin=$1 marker=$2 f pid
    # shellcheck disable=SC2013 # /proc paths have no spaces
    for f in $(grep -laF -- "$marker" /proc/[0-9]*/cmdline 2>/dev/null); do
        pid=${f#/proc/}
        pid=${pid%/cmdline}
        if is_ours "$pid" "$bin" "$marker"; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# port_pids PORT: pids holding a listening TCP socket on PORT (any address, v4 or v6).
port_pids() {
    local hex inodes ino
    hex=$(printf '%04X' "$1")
    inodes=$(awk -v p="$hex" 'FNR > 1 && $4 == "0A" { split($2, a, ":"); if (a[2] == p) print $10 }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)
    [[ -n $inodes ]] || return 0
    for ino in $inodes; do
        # processes come and go while find walks /proc: ignore its complaints
        { find /proc/[0-9]*/fd -maxdepth 1 -lname "socket:\[$ino\]" 2>/dev/null || true; } | cut -d/ -f3
    done | sort -un
    return 0
}

port_busy() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p="$hex" 'FNR > 1 && $4 == "0A" { split($2, a, ":"); if (a[2] == p) f = 1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# port_owned_by PORT PID: PID (or its child) listens on PORT.
port_owned_by() {
    local p
    for p in $(port_pids "$1"); do
        [[ $p == "$2" ]] && return 0
        [[ $(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) == "$2" ]] && return 0
    done
    return 1
}

# check_port_free NAME PORT HINT: die with a clear message if someone else listens on PORT.
check_port_free() {
    local name=$1 port=$2 envvar=$3 pids p who=""
    port_busy "$port" || return 0
    pids=$(port_pids "$port")
    for p in $pids; do who+=$'\n'"    pid $p: $(cmdline "$p")"; done
    [[ -n $who ]] || who=$'\n'"    (owner not visible from here)"
    die "$name: port $HOST:$port is already in use, and not by this stack's $name (state $STATE):$who
  If that is another checkout's stack, stop it there (bash <that checkout>/deploy/local/stack.sh down),
  or give this stack another port: $envvar=<port> (and eval \"\$(bash $STACK_SH env)\" before make/go)."
}

# stop_pid NAME PID: SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL; returns when the process is gone.
stop_pid() {
    local name=$1 pid=$2 i
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    warn "$name (pid $pid) did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    die "$name (pid $pid) is still alive after SIGKILL"
}

# launch NAME PIDFILE LOGFILE CMD...: start CMD detached (own session, stdin /dev/null, output to
# LOGFILE, lock fd closed) and write its pid.
launch() {
    local name=$1 pidfile=$2 logfile=$3
    shift 3
    rm -f "$pidfile"
    printf '\n==== %s start %s: %s\n' "$name" "$(date -Is)" "$*" >>"$logfile"
    # The inner shell writes its own pid, then execs the server: the pid file is the server's pid
    # whether or not setsid had to fork.
    # shellcheck disable=SC2016 # expanded by the inner shell
    setsid bash -c 'echo $$ >"$0.tmp" && mv -f "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
        </dev/null >>"$logfile" 2>&1 9>&- &
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -s $pidfile ]] && return 0
        sleep 0.1
    done
    die "$name: could not start (no pid file $pidfile); see $logfile"
}

log_tail() {
    local f=$1 n=${2:-30}
    if [[ -r $f ]]; then
        echo "---- last $n lines of $f" >&2
        tail -n "$n" "$f" >&2
        echo "----" >&2
    else
        echo "(no log at $f)" >&2
    fi
}

# ---------------------------------------------------------------- install

pkg_installed() { [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]; }

install_packages() {
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do pkg_installed "$p" || missing+=("$p"); done
    [[ ${#missing[@]} -gt 0 ]] || return 0
    local sudo=()
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null || die "missing Debian packages (${missing[*]}) and not root; install them as root"
        sudo=(sudo)
    fi
    mkdir -p "$LOGS"
    local log=$LOGS/install-apt.log t0=$SECONDS
    say "installing Debian packages: ${missing[*]} (log $log)"
    export DEBIAN_FRONTEND=noninteractive
    local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600)
    if ! "${apt[@]}" update >>"$log" 2>&1; then
        log_tail "$log"
        die "apt-get update failed"
    fi
    if ! "${apt[@]}" install --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
        log_tail "$log"
        die "apt-get install ${missing[*]} failed"
    fi
    for p in "${missing[@]}"; do pkg_installed "$p" || die "package $p is still not installed; see $log"; done
    say "packages installed in $((SECONDS - t0))s"
}

# tool_ok NAME MOD VERSION PKG: the binary exists and is the pinned version (stamp file, or the
# module info in the binary, which then writes the stamp).
tool_ok() {
    local name=$1 mod=$2 version=$3 pkg=$4 bin=$TOOLS/$1 stamp=$TOOLS/$1.version want
    want="$pkg@$version"
    [[ -x $bin ]] || return 1
    if [[ -f $stamp ]]; then
        [[ $(<"$stamp") == "$want" ]]
        return
    fi
    command -v go >/dev/null || return 1
    local info
    info=$(go version -m "$bin" 2>/dev/null) || return 1
    if awk -v pkg="$pkg" -v mod="$mod" -v ver="$version" '
        $1 == "path" && $2 == pkg { p = 1 }
        $1 == "mod" && $2 == mod && $3 == ver { m = 1 }
        END { exit !(p && m) }' <<<"$info"; then
        echo "$want" >"$stamp"
        return 0
    fi
    return 1
}

# build_tool NAME MOD VERSION PKG: go install into a private dir, then move into place.
build_tool() {
    local name=$1 mod=$2 version=$3 pkg=$4 log=$LOGS/install-$1.log
    (
        exec 8>"$TOOLS/.$name.lock"
        flock 8 # another clone may be building the same tool
        tool_ok "$name" "$mod" "$version" "$pkg" && exit 0
        tmp=$(mktemp -d "$TOOLS/.build-$name.XXXXXX")
        trap 'rm -rf "$tmp"' EXIT
        echo "==== $(date -Is) go install $pkg@$version" >"$log"
        (cd / && GOBIN=$tmp GOFLAGS='' go install "$pkg@$version") >>"$log" 2>&1 8>&- || exit 1
        mv -f "$tmp/$name" "$TOOLS/$name"
        echo "$pkg@$version" >"$TOOLS/$name.version"
    )
}

install_tools() {
    mkdir -p "$TOOLS" "$LOGS"
    local todo=() spec name mod version pkg
    for spec in "temporal $TEMPORAL_MOD $TEMPORAL_VERSION $TEMPORAL_PKG" \
        "minio $MINIO_MOD $MINIO_VERSION $MINIO_PKG"; do
        read -r name mod version pkg <<<"$spec"
        tool_ok "$name" "$mod" "$version" "$pkg" || todo+=("$spec")
    done
    [[ ${#todo[@]} -gt 0 ]] || return 0
    command -v go >/dev/null || die "go is not installed (needed to build ${todo[*]})"
    local t0=$SECONDS pids=() names=() i rc=0
    for spec in "${todo[@]}"; do
        read -r name mod version pkg <<<"$spec"
        say "building $name $version into $TOOLS (a few minutes; log $LOGS/install-$name.log)"
        build_tool "$name" "$mod" "$version" "$pkg" 9>&- &
        pids+=($!)
        names+=("$name")
    done
    for i in "${!pids[@]}"; do
        if ! wait "${pids[$i]}"; then
            log_tail "$LOGS/install-${names[$i]}.log"
            warn "building ${names[$i]} failed"
            rc=1
        fi
    done
    [[ $rc -eq 0 ]] || die "tool build failed"
    say "tools built in $((SECONDS - t0))s"
}

cmd_install() {
    install_packages
    install_tools
}

# ---------------------------------------------------------------- PostgreSQL

as_pg() {
    if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_owner() { if [[ $EUID -eq 0 ]]; then echo postgres; else id -un; fi; }

pg_bin() {
    local v=${1:-} d
    if [[ -n $v ]]; then
        d=/usr/lib/postgresql/$v/bin
    else
        d=$({ ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true; } | sort -V | tail -n1)
    fi
    [[ -x $d/pg_ctl ]] || die "PostgreSQL server binaries not found${v:+ for version $v} (/usr/lib/postgresql/*/bin); run: bash $STACK_SH install"
    echo "$d"
}

# pg_paths: set PGDATA, PG_SOCK, PG_LOG. The data dir is $STATE/pg unless the postgres user cannot
# reach it (e.g. the checkout is under /root); then it lives in /var/lib/saraban-pg/<hash> and
# $STATE/pg is a symlink to it. Creates nothing unless $1 == create.
pg_paths() {
    local create=${1:-} link=$STATE/pg hash root
    hash=$(printf '%s' "$STATE" | sha256sum | cut -c1-12)
    root=/var/lib/saraban-pg/$hash
    if [[ -L $link ]]; then
        PGDATA=$(readlink -f "$link")
        PG_SOCK=$(dirname "$PGDATA")/sock
        PG_LOG=$(dirname "$PGDATA")/postgres.log
    elif [[ -d $link ]]; then
        PGDATA=$link
        PG_SOCK=$RUN/pgsock
        PG_LOG=$LOGS/postgres.log
    elif [[ $create == create ]]; then
        chmod 755 "$STATE" 2>/dev/null || true
        mkdir -p "$link"
        chmod 700 "$link"
        chown "$(pg_owner)" "$link"
        if as_pg test -w "$link" 2>/dev/null; then
            PGDATA=$link
            PG_SOCK=$RUN/pgsock
            PG_LOG=$LOGS/postgres.log
        else
            rmdir "$link"
            say "postgres cannot reach $STATE; keeping the PostgreSQL data in $root/data ($link links to it)"
            mkdir -p /var/lib/saraban-pg "$root/data"
            chmod 755 /var/lib/saraban-pg
            chown -R postgres: "$root"
            chmod 700 "$root/data"
            echo "$STATE" >"$root/owner"
            ln -s "$root/data" "$link"
            PGDATA=$root/data
            PG_SOCK=$root/sock
            PG_LOG=$root/postgres.log
        fi
    else
        PGDATA=$link
        PG_SOCK=$RUN/pgsock
        PG_LOG=$LOGS/postgres.log
    fi
}

pg_pid() {
    pg_paths
    local pid
    if [[ -r $PGDATA/postmaster.pid ]]; then
        pid=$(head -n1 "$PGDATA/postmaster.pid" 2>/dev/null || true)
        if is_ours "$pid" postgres "$PGDATA"; then
            echo "$pid"
            return 0
        fi
    fi
    find_ours postgres "$PGDATA"
}

pg_ready() {
    local bin
    bin=$(pg_bin 2>/dev/null) || return 1
    "$bin/pg_isready" -q -h "$HOST" -p "$PG_PORT" -d postgres -t 2 >/dev/null 2>&1
}

pg_psql() {
    local bin
    bin=$(pg_bin)
    PGPASSWORD=$PG_SUPERPASSWORD PGCONNECT_TIMEOUT=5 "$bin/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$HOST" -p "$PG_PORT" -U "$PG_SUPERUSER" "$@"
}

pg_initdb() {
    local bin=$1 pwfile
    if [[ -e $PGDATA && ! -f $PGDATA/PG_VERSION ]]; then
        # a half-made cluster from an interrupted initdb: start again
        find "$PGDATA" -mindepth 1 -delete
    fi
    say "postgres: creating cluster in $PGDATA"
    pwfile=$(mktemp)
    echo "$PG_SUPERPASSWORD" >"$pwfile"
    chown "$(pg_owner)" "$pwfile"
    if ! as_pg "$bin/initdb" -D "$PGDATA" -U "$PG_SUPERUSER" --pwfile="$pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >>"$LOGS/postgres-initdb.log" 2>&1 9>&-; then
        rm -f "$pwfile"
        log_tail "$LOGS/postgres-initdb.log"
        find "$PGDATA" -mindepth 1 -delete 2>/dev/null || true
        die "postgres: initdb failed"
    fi
    rm -f "$pwfile"
    echo "include_if_exists = 'saraban.conf'" | as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null
}

# A postmaster that died (kill -9, OOM) leaves postmaster.pid behind, and stays a zombie until
# PID 1 reaps it; PostgreSQL refuses to start while that pid exists. Wait for it, then drop the file.
pg_clear_stale_pid() {
    local old i
    [[ -f $PGDATA/postmaster.pid ]] || return 0
    old=$(head -n1 "$PGDATA/postmaster.pid" 2>/dev/null || true)
    [[ $old =~ ^[0-9]+$ ]] || return 0
    for ((i = 0; i < 100; i++)); do
        [[ -e /proc/$old ]] || break
        alive "$old" && break
        sleep 0.1
    done
    if ! is_ours "$old" postgres "$PGDATA"; then
        say "postgres: removing stale postmaster.pid (pid $old is gone)"
        rm -f "$PGDATA/postmaster.pid"
    fi
}

pg_start() {
    local pid bin ver sockdir
    mkdir -p "$LOGS" "$RUN"
    pg_paths create
    if pid=$(pg_pid); then
        [[ $(sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null) == "$PG_PORT" ]] ||
            settings_differ postgres "$pid" "port $PG_PORT"
        say "postgres: already running (pid $pid)"
        echo "$pid" >"$RUN/postgres.pid"
        return 0
    fi
    check_port_free postgres "$PG_PORT" SARABAN_PG_PORT
    pg_clear_stale_pid
    if [[ -f $PGDATA/PG_VERSION ]]; then
        ver=$(<"$PGDATA/PG_VERSION")
        bin=$(pg_bin "$ver")
    else
        bin=$(pg_bin)
        pg_initdb "$bin"
    fi
    # The socket is a convenience (the code uses TCP); skip it when the path would be too long.
    sockdir=$PG_SOCK
    if ((${#sockdir} + 20 > 100)); then
        sockdir=""
    else
        mkdir -p "$sockdir"
        chown "$(pg_owner)" "$sockdir"
        chmod 755 "$sockdir"
    fi
    as_pg tee "$PGDATA/saraban.conf" >/dev/null <<EOF
# written by deploy/local/stack.sh on every start; edit the script, not this file
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$sockdir'
max_connections = 200
shared_buffers = 256MB
EOF
    if [[ $PG_LOG == "$LOGS/postgres.log" ]]; then
        touch "$PG_LOG"
        chown "$(pg_owner)" "$PG_LOG"
    else
        as_pg touch "$PG_LOG"
        ln -sfn "$PG_LOG" "$LOGS/postgres.log"
    fi
    rm -f "$RUN/postgres.pid"
    printf '\n==== postgres start %s\n' "$(date -Is)" >>"$LOGS/postgres.log"
    # pg_ctl removes a stale postmaster.pid itself; -W: readiness is checked in wait_all.
    if ! as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -W start >"$RUN/pg_ctl.out" 2>&1 </dev/null 9>&-; then
        cat "$RUN/pg_ctl.out" >&2
        log_tail "$LOGS/postgres.log"
        die "postgres: pg_ctl start failed"
    fi
    say "postgres: starting on $HOST:$PG_PORT"
}

pg_provision() {
    # role and database for the application; idempotent
    pg_psql -d postgres <<EOF >/dev/null
DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END\$\$;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
EOF
}

pg_stop() {
    local pid bin ver
    pg_paths
    rm -f "$RUN/postgres.pid"
    pid=$(pg_pid) || {
        say "postgres: not running"
        return 0
    }
    ver=$(cat "$PGDATA/PG_VERSION" 2>/dev/null || true)
    bin=$(pg_bin "$ver")
    if ! as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1 </dev/null 9>&-; then
        warn "postgres: fast shutdown did not finish; trying immediate"
        as_pg "$bin/pg_ctl" -D "$PGDATA" -m immediate -w -t 10 stop >/dev/null 2>&1 </dev/null 9>&- || true
    fi
    stop_pid postgres "$pid"
    say "postgres: stopped"
}

# ---------------------------------------------------------------- MinIO

minio_pid() {
    local pid
    pid=$(cat "$RUN/minio.pid" 2>/dev/null || true)
    if is_ours "$pid" minio "$MINIO_DATA"; then
        echo "$pid"
        return 0
    fi
    find_ours minio "$MINIO_DATA"
}

minio_ready() { curl -sf -m 2 -o /dev/null "http://$HOST:$MINIO_PORT/minio/health/ready"; }

minio_start() {
    local pid
    mkdir -p "$LOGS" "$RUN" "$MINIO_DATA"
    if pid=$(minio_pid); then
        has_args "$pid" --address "$HOST:$MINIO_PORT" ||
            settings_differ minio "$pid" "address $HOST:$MINIO_PORT"
        say "minio: already running (pid $pid)"
        echo "$pid" >"$RUN/minio.pid"
        return 0
    fi
    check_port_free minio "$MINIO_PORT" SARABAN_MINIO_PORT
    check_port_free "minio console" "$MINIO_CONSOLE_PORT" SARABAN_MINIO_CONSOLE_PORT
    [[ -x $TOOLS/minio ]] || die "minio: $TOOLS/minio is missing; run: bash $STACK_SH install"
    MINIO_ROOT_USER=$MINIO_USER MINIO_ROOT_PASSWORD=$MINIO_PASSWORD MINIO_UPDATE=off \
        launch minio "$RUN/minio.pid" "$LOGS/minio.log" \
        "$TOOLS/minio" server "$MINIO_DATA" --quiet \
        --address "$HOST:$MINIO_PORT" --console-address "$HOST:$MINIO_CONSOLE_PORT"
    say "minio: starting on $HOST:$MINIO_PORT (pid $(<"$RUN/minio.pid"))"
}

minio_stop() {
    local pid
    pid=$(minio_pid) || {
        rm -f "$RUN/minio.pid"
        say "minio: not running"
        return 0
    }
    stop_pid minio "$pid"
    rm -f "$RUN/minio.pid"
    say "minio: stopped"
}

# ---------------------------------------------------------------- Temporal

temporal_pid() {
    local pid
    pid=$(cat "$RUN/temporal.pid" 2>/dev/null || true)
    if is_ours "$pid" temporal "$TEMPORAL_DB"; then
        echo "$pid"
        return 0
    fi
    find_ours temporal "$TEMPORAL_DB"
}

temporal_ready() {
    [[ -x $TOOLS/temporal ]] || return 1
    port_busy "$TEMPORAL_PORT" || return 1
    timeout 5 "$TOOLS/temporal" operator cluster health --address "$HOST:$TEMPORAL_PORT" \
        --command-timeout 3s 2>/dev/null | grep -q SERVING
}

temporal_start() {
    local pid
    mkdir -p "$LOGS" "$RUN" "$TEMPORAL_DIR"
    if pid=$(temporal_pid); then
        has_args "$pid" --port "$TEMPORAL_PORT" ||
            settings_differ temporal "$pid" "port $TEMPORAL_PORT"
        say "temporal: already running (pid $pid)"
        echo "$pid" >"$RUN/temporal.pid"
        return 0
    fi
    check_port_free temporal "$TEMPORAL_PORT" SARABAN_TEMPORAL_PORT
    check_port_free "temporal ui" "$TEMPORAL_UI_PORT" SARABAN_TEMPORAL_UI_PORT
    [[ -x $TOOLS/temporal ]] || die "temporal: $TOOLS/temporal is missing; run: bash $STACK_SH install"
    # WAL: without it the SQLite store manages only a few workflows per second.
    # SARABAN_TEMPORAL_ARGS adds flags, e.g. --dynamic-config-value 'KEY=VALUE'.
    # shellcheck disable=SC2086
    launch temporal "$RUN/temporal.pid" "$LOGS/temporal.log" \
        "$TOOLS/temporal" server start-dev \
        --ip "$HOST" --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
        --db-filename "$TEMPORAL_DB" --log-level warn \
        --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
        ${SARABAN_TEMPORAL_ARGS:-}
    say "temporal: starting on $HOST:$TEMPORAL_PORT (pid $(<"$RUN/temporal.pid"))"
}

temporal_stop() {
    local pid
    pid=$(temporal_pid) || {
        rm -f "$RUN/temporal.pid"
        say "temporal: not running"
        return 0
    }
    # stop_pid returns only once the process is gone, so the SQLite file is free for a restart.
    stop_pid temporal "$pid"
    rm -f "$RUN/temporal.pid"
    say "temporal: stopped"
}

# ---------------------------------------------------------------- readiness

svc_pid() { if [[ $1 == postgres ]]; then pg_pid; else "${1}_pid"; fi; }
svc_ready() { if [[ $1 == postgres ]]; then pg_ready; else "${1}_ready"; fi; }
svc_port() {
    case $1 in
    postgres) echo "$PG_PORT" ;;
    minio) echo "$MINIO_PORT" ;;
    temporal) echo "$TEMPORAL_PORT" ;;
    esac
}
svc_log() { echo "$LOGS/$1.log"; }

svc_portvar() {
    case $1 in
    postgres) echo SARABAN_PG_PORT ;;
    minio) echo SARABAN_MINIO_PORT ;;
    temporal) echo SARABAN_TEMPORAL_PORT ;;
    esac
}

# wait_one NAME: until the service answers, its process dies, or WAIT_TIMEOUT passes.
wait_one() {
    local name=$1 pid start=$SECONDS deadline=$((SECONDS + WAIT_TIMEOUT)) port foreign=0
    port=$(svc_port "$name")
    while :; do
        if ! pid=$(svc_pid "$name"); then
            # a just-launched process may not have exec'd yet: allow a few seconds
            if ((SECONDS - start < 5)); then
                sleep 0.2
                continue
            fi
            log_tail "$(svc_log "$name")"
            die "$name: not running (it exited, or was never started: bash $STACK_SH up)"
        fi
        if port_owned_by "$port" "$pid"; then
            foreign=0
            if svc_ready "$name"; then
                echo "$pid" >"$RUN/$name.pid"
                return 0
            fi
        elif port_busy "$port"; then
            # someone else holds the port (it was taken between our check and the start)
            if ((++foreign >= 10)); then
                log_tail "$(svc_log "$name")"
                check_port_free "$name" "$port" "$(svc_portvar "$name")"
            fi
        fi
        if ((SECONDS >= deadline)); then
            log_tail "$(svc_log "$name")" 40
            die "$name: not ready after ${WAIT_TIMEOUT}s (pid $pid, $HOST:$port)"
        fi
        sleep 0.2
    done
}

wait_all() {
    local s
    for s in "${SERVICES[@]}"; do wait_one "$s"; done
    pg_provision
}

# ---------------------------------------------------------------- commands

lock() {
    mkdir -p "$RUN"
    exec 9>"$RUN/stack.lock"
    flock -w 900 9 || die "another stack.sh is busy on $STATE (lock $RUN/stack.lock)"
}

cmd_up() {
    local t0=$SECONDS
    cmd_install
    lock
    pg_start
    minio_start
    temporal_start
    wait_all
    say "up in $((SECONDS - t0))s: postgres $HOST:$PG_PORT, minio http://$HOST:$MINIO_PORT (console http://$HOST:$MINIO_CONSOLE_PORT), temporal $HOST:$TEMPORAL_PORT (ui http://$HOST:$TEMPORAL_UI_PORT)"
}

cmd_down() {
    lock
    temporal_stop
    minio_stop
    pg_stop
}

cmd_status() {
    local s pid port state bad=0 addr extra
    pg_paths
    for s in "${SERVICES[@]}"; do
        port=$(svc_port "$s")
        addr=$HOST:$port
        extra=""
        case $s in
        minio) extra="console http://$HOST:$MINIO_CONSOLE_PORT" ;;
        temporal) extra="ui http://$HOST:$TEMPORAL_UI_PORT" ;;
        postgres) extra="data $PGDATA" ;;
        esac
        if pid=$(svc_pid "$s"); then
            if port_owned_by "$port" "$pid" && svc_ready "$s"; then
                state=running
            else
                state=starting
                bad=1
            fi
        else
            pid=-
            state=stopped
            bad=1
            if port_busy "$port"; then
                extra="port taken by pid $(port_pids "$port" | tr '\n' ' ')(not this stack)"
            fi
        fi
        printf '%-9s %-9s %-16s pid %-8s %s\n' "$s" "$state" "$addr" "$pid" "$extra"
    done
    return $bad
}

cmd_env() {
    cat <<EOF
export SARABAN_STATE='$STATE'
export SARABAN_TOOLS='$TOOLS'
export SARABAN_STACK='$STACK_SH'
export SARABAN_DATABASE_URL='postgres://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DB?sslmode=disable'
export SARABAN_DATABASE_ADMIN_URL='postgres://$PG_SUPERUSER:$PG_SUPERPASSWORD@$HOST:$PG_PORT/postgres?sslmode=disable'
export SARABAN_S3_ENDPOINT='$HOST:$MINIO_PORT'
export SARABAN_S3_ACCESS_KEY='$MINIO_USER'
export SARABAN_S3_SECRET_KEY='$MINIO_PASSWORD'
export SARABAN_TEMPORAL_ADDRESS='$HOST:$TEMPORAL_PORT'
export SARABAN_TEMPORAL_NAMESPACE='default'
export SARABAN_TEMPORAL_BIN='$TOOLS/temporal'
export SARABAN_PG_PORT='$PG_PORT'
export SARABAN_MINIO_PORT='$MINIO_PORT'
export SARABAN_MINIO_CONSOLE_PORT='$MINIO_CONSOLE_PORT'
export SARABAN_TEMPORAL_PORT='$TEMPORAL_PORT'
export SARABAN_TEMPORAL_UI_PORT='$TEMPORAL_UI_PORT'
EOF
}

cmd_logs() {
    local follow=() s
    if [[ ${1:-} == -f ]]; then
        follow=(-f)
        shift
    fi
    if [[ $# -gt 0 ]]; then
        case $1 in postgres | minio | temporal) ;; *) die "unknown service '$1' (postgres, minio, temporal)" ;; esac
        [[ -e $LOGS/$1.log ]] || die "no log yet: $LOGS/$1.log"
        tail -n "${LINES_SHOWN:-200}" "${follow[@]}" "$LOGS/$1.log"
        return
    fi
    if [[ ${#follow[@]} -gt 0 ]]; then
        tail -n 20 -f "$LOGS"/{postgres,minio,temporal}.log
        return
    fi
    for s in "${SERVICES[@]}"; do
        echo "==== $s ($LOGS/$s.log)"
        tail -n "${LINES_SHOWN:-40}" "$LOGS/$s.log" 2>/dev/null || echo "(no log)"
    done
}

cmd_reset() {
    cmd_down
    local real=""
    [[ -L $STATE/pg ]] && real=$(dirname "$(readlink -f "$STATE/pg")")
    # keep the lock file (we hold it); remove everything else
    find "$STATE" -mindepth 1 -maxdepth 1 ! -name run -exec rm -rf {} +
    find "$RUN" -mindepth 1 ! -name stack.lock -exec rm -rf {} + 2>/dev/null || true
    if [[ -n $real && $real == /var/lib/saraban-pg/* ]]; then rm -rf "$real"; fi
    say "state in $STATE deleted"
}

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$STACK_SH"
}

main() {
    local cmd=${1:-}
    [[ $# -gt 0 ]] && shift
    case $cmd in
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status || exit 1 ;;
    logs) cmd_logs "$@" ;;
    env) cmd_env ;;
    wait) wait_all ;;
    reset) cmd_reset ;;
    stop-temporal)
        lock
        temporal_stop
        ;;
    start-temporal)
        lock
        temporal_start
        wait_one temporal
        ;;
    -h | --help | help) usage ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
}

main "$@"
