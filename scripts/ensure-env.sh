#!/usr/bin/env bash
# Shared bootstrap for `npm test` and `npm run demo` on a fresh Debian machine where only
# Node (>= 20.19) and npm exist. Idempotent; one line per check when all is present.
#
#   source scripts/ensure-env.sh    # preferred: exports PATH, AIRLOCK_PG_ADMIN_URL, REDIS_URL
#   bash scripts/ensure-env.sh      # also works; exits non-zero when something is missing
#
# Checks, in order: node version, pnpm (npm install -g pnpm@10.34.9 when missing; corepack
# fails on these machines), `pnpm install --frozen-lockfile`, psql, Postgres, Redis.
# As root on Debian, a missing Postgres or Redis is installed with apt-get and started;
# otherwise the script prints what to run and exits 1.
#
# Overrides:
#   AIRLOCK_PG_ADMIN_URL  default postgresql://postgres@127.0.0.1:5432/postgres
#   REDIS_URL             default redis://127.0.0.1:6379

AIRLOCK_PNPM_VERSION=10.34.9
AIRLOCK_MIN_NODE=20.19

_env_say() { echo "env: $*"; }
_env_fail() {
  echo "env: ERROR: $1" >&2
  shift
  local line
  for line in "$@"; do echo "  $line" >&2; done
  exit 1
}
_env_is_root() { [ "$(id -u)" = 0 ]; }
_env_can_apt() { _env_is_root && command -v apt-get >/dev/null 2>&1; }

_env_apt_updated=""
# apt-get install, quietly; the log is printed only when it fails.
_env_apt_install() {
  local log
  log=$(mktemp)
  if [ -z "$_env_apt_updated" ]; then
    _env_say "apt-get update"
    if ! DEBIAN_FRONTEND=noninteractive apt-get update >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      _env_fail "apt-get update failed (output above)."
    fi
    _env_apt_updated=1
  fi
  _env_say "apt-get install -y $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    _env_fail "apt-get install $* failed (output above)."
  fi
  rm -f "$log"
}

# Prints "host port" of a URL (brackets removed from IPv6 hosts).
_env_url_host_port() {
  node -e '
    const u = new URL(process.argv[1]);
    const port = u.port || process.argv[2];
    console.log(u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1", port);
  ' "$1" "$2"
}

# Opens a TCP connection; optionally sends a line and prints the first reply line.
# Exit status 0 when something listens on host:port.
_env_tcp_probe() {
  node -e '
    const net = require("node:net");
    const [host, port, send] = process.argv.slice(1);
    const s = net.connect({ host, port: Number(port) });
    const done = (code, out) => { if (out) console.log(out); s.destroy(); process.exit(code); };
    s.setTimeout(2000, () => done(1));
    s.on("error", () => done(1));
    s.on("connect", () => { if (send) s.write(send + "\r\n"); else done(0); });
    s.on("data", (d) => done(0, d.toString().split("\r\n")[0]));
  ' "$@"
}

_env_is_loopback() {
  case "$1" in 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac
}

# --- (a) node ---------------------------------------------------------------------------
_env_check_node() {
  command -v node >/dev/null 2>&1 ||
    _env_fail "node is not on PATH." "Install Node.js >= $AIRLOCK_MIN_NODE (https://nodejs.org/), then rerun."
  local version
  version=$(node -p 'process.versions.node')
  if ! node -e '
    const [maj, min] = process.versions.node.split(".").map(Number);
    const [wantMaj, wantMin] = process.argv[1].split(".").map(Number);
    process.exit(maj > wantMaj || (maj === wantMaj && min >= wantMin) ? 0 : 1);
  ' "$AIRLOCK_MIN_NODE"; then
    _env_fail "node $version is too old: Airlock needs Node.js >= $AIRLOCK_MIN_NODE." \
      "Install Node.js >= $AIRLOCK_MIN_NODE, then rerun."
  fi
  _env_say "node $version ok"
}

# --- (b) pnpm ---------------------------------------------------------------------------
_env_check_pnpm() {
  if ! command -v pnpm >/dev/null 2>&1; then
    _env_say "pnpm missing: npm install -g pnpm@$AIRLOCK_PNPM_VERSION"
    if ! npm install -g --no-fund --no-audit --loglevel=error "pnpm@$AIRLOCK_PNPM_VERSION"; then
      _env_fail "could not install pnpm globally." \
        "Run: npm install -g pnpm@$AIRLOCK_PNPM_VERSION   (as root, or with an npm prefix you own:" \
        "     npm config set prefix ~/.local && export PATH=~/.local/bin:\$PATH)"
    fi
    if ! command -v pnpm >/dev/null 2>&1; then
      PATH="$(npm prefix -g)/bin:$PATH"
      export PATH
    fi
    command -v pnpm >/dev/null 2>&1 ||
      _env_fail "pnpm was installed but is not on PATH." "Add \"\$(npm prefix -g)/bin\" to PATH."
  fi
  local version
  version=$(pnpm --version)
  case "$version" in
    10.*) ;;
    *) _env_fail "pnpm $version found; Airlock's lockfile needs pnpm 10." \
      "Run: npm install -g pnpm@$AIRLOCK_PNPM_VERSION" ;;
  esac
  _env_say "pnpm $version ok"
}

# --- (c) dependencies -------------------------------------------------------------------
_env_install_deps() {
  local out
  # pnpm itself returns at once when node_modules already matches the lockfile.
  if ! out=$(pnpm install --frozen-lockfile --prefer-offline 2>&1); then
    printf '%s\n' "$out" >&2
    _env_fail "pnpm install --frozen-lockfile failed (output above)." \
      "If package.json changed, run \`pnpm install\` and commit pnpm-lock.yaml."
  fi
  _env_say "dependencies ok (pnpm install --frozen-lockfile)"
}

# --- (f) psql ---------------------------------------------------------------------------
_env_check_psql() {
  if ! command -v psql >/dev/null 2>&1; then
    if _env_can_apt; then
      _env_apt_install postgresql-client
    else
      _env_fail "psql is not on PATH (the tests use it)." \
        "Run as root: apt-get update && apt-get install -y postgresql-client"
    fi
  fi
  _env_say "psql ok ($(command -v psql))"
}

# --- (d) Postgres -----------------------------------------------------------------------
_env_pg_version() {
  # Highest installed server major: an existing cluster's, else the installed binaries'.
  local v
  v=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$v" ] || v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  echo "$v"
}

_env_pg_auth_ok() {
  PGCONNECT_TIMEOUT=5 psql "$AIRLOCK_PG_ADMIN_URL" -XAtqc 'select 1' >/dev/null 2>&1
}

_env_pg_wait_ready() {
  local host=$1 port=$2
  for _ in $(seq 1 30); do
    _env_tcp_probe "$host" "$port" >/dev/null 2>&1 && pg_isready -q -h "$host" -p "$port" && return 0
    sleep 1
  done
  return 1
}

# A fresh Debian cluster uses peer (socket) and scram (TCP) auth, and the postgres role has
# no password: trust it over loopback, as on the machines Airlock is developed on.
_env_hba_add_trust() {
  local hba=$1 marker="# airlock ensure-env: trust postgres over loopback"
  if ! grep -qF "$marker" "$hba"; then
    local tmp
    tmp=$(mktemp)
    {
      echo "$marker (added by scripts/ensure-env.sh)"
      echo "host    all    postgres    127.0.0.1/32    trust"
      echo "host    all    postgres    ::1/128         trust"
      cat "$hba"
    } >"$tmp"
    cat "$tmp" >"$hba"
    rm -f "$tmp"
    _env_say "postgres: added loopback trust for role postgres to $hba"
  fi
}

_env_pg_trust_loopback() {
  local ver=$1 hba
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  [ -f "$hba" ] || _env_fail "no $hba to configure." "Check the cluster with pg_lsclusters."
  _env_hba_add_trust "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main reload >/dev/null
}

_env_check_postgres() {
  local hp host port ver
  hp=$(_env_url_host_port "$AIRLOCK_PG_ADMIN_URL" 5432 2>/dev/null) ||
    _env_fail "AIRLOCK_PG_ADMIN_URL is not a valid URL." "Use postgresql://USER[:PASSWORD]@HOST:PORT/DB"
  host=${hp% *}
  port=${hp#* }

  if ! _env_tcp_probe "$host" "$port" >/dev/null 2>&1; then
    if ! _env_is_loopback "$host" || [ "$port" != 5432 ]; then
      _env_fail "nothing answers on $host:$port (AIRLOCK_PG_ADMIN_URL)." \
        "Start that Postgres, or unset AIRLOCK_PG_ADMIN_URL to use a local one on 127.0.0.1:5432."
    fi
    if ! _env_can_apt; then
      _env_fail "Postgres is not running on 127.0.0.1:5432." \
        "Run as root:" \
        "  apt-get update && apt-get install -y postgresql postgresql-client" \
        "  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" \
        "and allow role postgres over TCP without a password (pg_hba.conf, first lines):" \
        "  host all postgres 127.0.0.1/32 trust" \
        "  host all postgres ::1/128 trust" \
        "or set AIRLOCK_PG_ADMIN_URL to a Postgres you can reach (e.g. with a password)."
    fi
    [ -n "$(_env_pg_version)" ] || _env_apt_install postgresql postgresql-client
    ver=$(_env_pg_version)
    [ -n "$ver" ] || _env_fail "postgresql installed but no server version found under /usr/lib/postgresql."
    if ! _env_tcp_probe "$host" "$port" >/dev/null 2>&1; then
      if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$ver main"; then
        _env_say "postgres: creating cluster $ver/main"
        pg_createcluster "$ver" main >/dev/null
      fi
      _env_say "postgres: starting cluster $ver/main"
      pg_ctlcluster --skip-systemctl-redirect "$ver" main start ||
        _env_fail "could not start Postgres $ver/main." "See /var/log/postgresql/postgresql-$ver-main.log"
    fi
    _env_pg_wait_ready "$host" "$port" ||
      _env_fail "Postgres $ver/main did not become ready on $host:$port within 30 s." \
        "See /var/log/postgresql/postgresql-$ver-main.log"
  fi

  if ! _env_pg_auth_ok; then
    ver=$(_env_pg_version)
    if [ -z "${AIRLOCK_PG_ADMIN_URL_SET:-}" ] && _env_is_root && [ -n "$ver" ] &&
      [ -f "/etc/postgresql/$ver/main/pg_hba.conf" ]; then
      _env_pg_trust_loopback "$ver"
      sleep 1
    fi
    _env_pg_auth_ok || _env_fail "Postgres answers on $host:$port but refuses the admin connection." \
      "The tests connect as AIRLOCK_PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres)." \
      "Allow it (pg_hba.conf: host all postgres 127.0.0.1/32 trust, then reload), or set" \
      "AIRLOCK_PG_ADMIN_URL to a superuser URL that works, e.g. with a password."
  fi
  _env_say "postgres ok ($host:$port)"
}

# --- (e) Redis --------------------------------------------------------------------------
_env_redis_answers() {
  local reply
  reply=$(_env_tcp_probe "$1" "$2" PING 2>/dev/null) || return 1
  # +PONG, or -NOAUTH when REDIS_URL carries a password: either way Redis is there.
  case "$reply" in "+PONG" | -NOAUTH*) return 0 ;; *) return 1 ;; esac
}

_env_check_redis() {
  local hp host port args
  hp=$(_env_url_host_port "$REDIS_URL" 6379 2>/dev/null) ||
    _env_fail "REDIS_URL is not a valid URL." "Use redis://[:PASSWORD@]HOST:PORT"
  host=${hp% *}
  port=${hp#* }

  if ! _env_redis_answers "$host" "$port"; then
    if ! _env_is_loopback "$host" || [ "$port" != 6379 ]; then
      _env_fail "Redis does not answer on $host:$port (REDIS_URL)." \
        "Start that Redis, or unset REDIS_URL to use a local one on 127.0.0.1:6379."
    fi
    if ! _env_can_apt; then
      _env_fail "Redis is not running on 127.0.0.1:6379." \
        "Run as root:" \
        "  apt-get update && apt-get install -y redis-server" \
        "  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save \"\" --appendonly no"
    fi
    command -v redis-server >/dev/null 2>&1 || _env_apt_install redis-server
    if ! _env_redis_answers "$host" "$port"; then
      _env_say "redis: starting redis-server on 127.0.0.1:6379 (nothing kept on disk)"
      args=(--daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no)
      [ -d /var/lib/redis ] && args+=(--dir /var/lib/redis)
      [ -d /var/log/redis ] && args+=(--logfile /var/log/redis/ci.log)
      redis-server "${args[@]}" >/dev/null || _env_fail "redis-server did not start."
      for _ in $(seq 1 20); do
        _env_redis_answers "$host" "$port" && break
        sleep 0.5
      done
    fi
    _env_redis_answers "$host" "$port" ||
      _env_fail "Redis did not answer on $host:$port after starting." "See /var/log/redis/ci.log"
  fi
  _env_say "redis ok ($host:$port)"
}

airlock_ensure_env() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

  if [ -n "${AIRLOCK_PG_ADMIN_URL:-}" ]; then AIRLOCK_PG_ADMIN_URL_SET=1; fi
  AIRLOCK_PG_ADMIN_URL=${AIRLOCK_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
  REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
  export AIRLOCK_PG_ADMIN_URL REDIS_URL

  _env_check_node
  _env_check_pnpm
  (cd "$here" && _env_install_deps) || exit 1
  _env_check_psql
  _env_check_postgres
  _env_check_redis
}

# Executed directly: strict mode. Sourced: the caller's options apply (every step above
# checks its own result and exits on failure).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then set -euo pipefail; fi
airlock_ensure_env
