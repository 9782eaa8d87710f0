#!/usr/bin/env bash
# Installs (Debian, as root) and starts what dbrefresh needs on this machine: a JDK 17, Maven, and a
# PostgreSQL server with client tools (pg_dump, pg_restore, pgbench) reachable at
# ${DBREFRESH_PG_HOST:-127.0.0.1}:${DBREFRESH_PG_PORT:-5432} as user postgres without a password, and
# MariaDB for the Aurora MySQL user tests (with its FEDERATED engine), pg_cron's package for the isolation tests'
# private clusters, and jq and openssl for docs/aws.md's commands. (moto_server,
# which the AWS-mode tests use, is not in the
# registries reachable here; those tests skip, saying why, where it is absent.)
# Idempotent: does nothing where everything is there and running.
set -euo pipefail

PG_HOST=${DBREFRESH_PG_HOST:-127.0.0.1}
PG_PORT=${DBREFRESH_PG_PORT:-5432}

say() { printf 'dbrefresh: %s\n' "$*" >&2; }

can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

apt_install() {
  if ! can_install; then
    say "missing: $*; install them (Debian: apt-get install -y $*) and run again"
    exit 1
  fi
  say "installing $* (apt-get)"
  if [ -z "${DBREFRESH_APT_UPDATED:-}" ]; then
    apt-get update -qq
    export DBREFRESH_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_java_maven() {
  # javac, not java: a JRE alone cannot build the services
  command -v javac >/dev/null 2>&1 || apt_install openjdk-17-jdk-headless
  command -v mvn >/dev/null 2>&1 || apt_install maven
}

pg_bin() {
  # newest installed server's bin directory
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_answers() {
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
  if ! command -v pg_dump >/dev/null 2>&1 || ! command -v pgbench >/dev/null 2>&1 || [ -z "$(pg_bin)" ]; then
    apt_install postgresql postgresql-client
  fi
  if pg_answers; then
    return 0
  fi
  if [ "$PG_HOST" != 127.0.0.1 ] && [ "$PG_HOST" != localhost ]; then
    say "PostgreSQL at $PG_HOST:$PG_PORT does not answer as user postgres; start it or set DBREFRESH_PG_HOST/PORT"
    exit 1
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    # The Debian cluster that listens on $PG_PORT; a fresh install whose package created none gets one.
    cluster=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3==p {print $1 "/" $2 "/" $4; exit}')
    if [ -z "$cluster" ] && [ -z "$(pg_lsclusters -h 2>/dev/null)" ] && [ "$(id -u)" = 0 ]; then
      version=$(basename "$(dirname "$(pg_bin)")")
      say "creating PostgreSQL $version cluster main on port $PG_PORT (pg_createcluster)"
      pg_createcluster "$version" main -p "$PG_PORT" >/dev/null
      cluster="$version/main/down"
    fi
    if [ -z "$cluster" ]; then
      say "no PostgreSQL cluster on port $PG_PORT (pg_lsclusters lists the clusters of this machine);"
      say "start one there, or set DBREFRESH_PG_PORT to the port of yours, and run again"
      exit 1
    fi
    version=${cluster%%/*}; name=${cluster#*/}; name=${name%%/*}
    if [ "${cluster##*/}" != online ]; then
      say "starting PostgreSQL $version (cluster $name, port $PG_PORT)"
      # Containers have no systemd: without the redirect switch pg_ctlcluster would ask systemctl.
      pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start 2>/dev/null || pg_ctlcluster "$version" "$name" start
    fi
    for _ in $(seq 1 30); do pg_answers && return 0; pg_isready -h "$PG_HOST" -p "$PG_PORT" -q && break; sleep 1; done
    if ! pg_answers; then
      # A fresh Debian cluster asks TCP clients for a password; dbrefresh's local stack connects as
      # postgres without one. Allow that from this machine only, and say so.
      hba=/etc/postgresql/$version/$name/pg_hba.conf
      if [ -w "$hba" ] && ! grep -q '^# dbrefresh local stack' "$hba"; then
        say "allowing passwordless local TCP connections (127.0.0.1, ::1) in $hba"
        { echo '# dbrefresh local stack: trust TCP connections from this machine'
          echo 'host all all 127.0.0.1/32 trust'
          echo 'host all all ::1/128 trust'
          cat "$hba"; } > "$hba.dbrefresh" && mv "$hba.dbrefresh" "$hba"
        chown postgres:postgres "$hba" 2>/dev/null || true
        pg_ctlcluster --skip-systemctl-redirect "$version" "$name" reload 2>/dev/null || pg_ctlcluster "$version" "$name" reload
        for _ in $(seq 1 10); do pg_answers && break; sleep 1; done
      fi
    fi
  fi
  if ! pg_answers; then
    say "PostgreSQL at $PG_HOST:$PG_PORT does not accept user postgres without a password;"
    say "start a server there (or set DBREFRESH_PG_HOST/DBREFRESH_PG_PORT) and run again"
    exit 1
  fi
}

my_answers() {
  mariadb -h 127.0.0.1 -P 3306 -u root -e 'select 1' >/dev/null 2>&1
}

# MariaDB stands in for Aurora MySQL in users-service's tests (root without a password on 127.0.0.1).
# Those tests skip, saying why, where it is missing; this makes it present where we can.
ensure_mariadb() {
  my_answers && return 0
  if ! command -v mariadbd >/dev/null 2>&1; then
    can_install || { say "MariaDB not installed: the Aurora MySQL user tests will be skipped"; return 0; }
    apt_install mariadb-server mariadb-client
  fi
  if ! pgrep -x mariadbd >/dev/null 2>&1; then
    say "starting MariaDB"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do my_answers && return 0; mariadb -u root -e 'select 1' >/dev/null 2>&1 && break; sleep 1; done
  fi
  if ! my_answers && [ "$(id -u)" = 0 ] && mariadb -u root -e 'select 1' >/dev/null 2>&1; then
    say "allowing root without a password over TCP from this machine in MariaDB (test machine set-up)"
    mariadb -u root -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')" || true
    mariadb -u root -e "CREATE DATABASE IF NOT EXISTS test" || true
  fi
  my_answers || say "MariaDB at 127.0.0.1:3306 does not accept root without a password: the Aurora MySQL user tests will be skipped"
}

# docs/aws.md's commands need jq and openssl besides the AWS CLI; e2e-tests' DocsAwsMdIT runs them against moto.
# (The AWS CLI that the test uses comes with moto on this machine image: Debian's awscli 2.9 ignores
# AWS_ENDPOINT_URL, so it cannot be pointed at moto, and PyPI is not reachable from here.)
ensure_docs_tools() {
  command -v jq >/dev/null 2>&1 || ! can_install || apt_install jq
  command -v openssl >/dev/null 2>&1 || ! can_install || apt_install openssl
}

# pg_cron (https://github.com/citusdata/pg_cron) for the isolation tests of the postgres and aurora-postgresql
# engines. Only the package's files: the tests load it into private clusters they start themselves
# (shared_preload_libraries=pg_cron there); the shared server's settings are not changed.
ensure_pg_cron() {
  local version
  version=$(basename "$(dirname "$(pg_bin)")")
  [ -f "/usr/share/postgresql/$version/extension/pg_cron.control" ] && return 0
  if ! can_install; then
    say "missing: pg_cron for PostgreSQL $version; install it (Debian: apt-get install -y postgresql-$version-cron) and run again"
    exit 1
  fi
  apt_install "postgresql-$version-cron"
}

# MySqlSafetyTest drops a FEDERATED table: MariaDB ships that engine as the plugin ha_federatedx, not loaded by
# default. INSTALL SONAME records it in mysql.plugin, so it is loaded at every later start: done once per machine
# here rather than by the test, which must not change the settings of a server it shares with others.
# (https://mariadb.com/kb/en/federatedx-storage-engine/, https://mariadb.com/kb/en/install-soname/)
ensure_mariadb_federated() {
  my_answers || return 0
  local active
  active=$(mariadb -h 127.0.0.1 -P 3306 -u root -Nse "SELECT COUNT(*) FROM information_schema.ENGINES WHERE ENGINE = 'FEDERATED' AND SUPPORT IN ('YES', 'DEFAULT')")
  [ "$active" = 1 ] && return 0
  say "enabling MariaDB's FEDERATED engine (INSTALL SONAME 'ha_federatedx')"
  if ! mariadb -h 127.0.0.1 -P 3306 -u root -e "INSTALL SONAME 'ha_federatedx'"; then
    say "cannot enable MariaDB's FEDERATED engine (the plugin ha_federatedx ships with mariadb-server);"
    say "MySqlSafetyTest's FEDERATED table test will fail until it is enabled"
    exit 1
  fi
}

ensure_java_maven
ensure_postgres
ensure_pg_cron
ensure_mariadb
ensure_mariadb_federated
ensure_docs_tools
