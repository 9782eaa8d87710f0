#!/usr/bin/env bash
# Installs (Debian, as root) and starts what dbrefresh needs on this machine: a JDK 17, Maven, and a
# PostgreSQL server with client tools (pg_dump, pg_restore, pgbench) reachable at
# ${DBREFRESH_PG_HOST:-127.0.0.1}:${DBREFRESH_PG_PORT:-5432} as user postgres without a password, and
# MariaDB for the Aurora MySQL user tests. (moto_server, which the AWS-mode tests use, is not in the
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
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jdk-headless
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
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
      say "starting PostgreSQL $version (cluster main)"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster "$version" main start
    fi
    for _ in $(seq 1 30); do pg_answers && return 0; pg_isready -h "$PG_HOST" -p "$PG_PORT" -q && break; sleep 1; done
    if ! pg_answers; then
      # A fresh Debian cluster asks TCP clients for a password; dbrefresh's local stack connects as
      # postgres without one. Allow that from this machine only, and say so.
      hba=/etc/postgresql/$version/main/pg_hba.conf
      if [ -w "$hba" ] && ! grep -q '^# dbrefresh local stack' "$hba"; then
        say "allowing passwordless local TCP connections (127.0.0.1, ::1) in $hba"
        { echo '# dbrefresh local stack: trust TCP connections from this machine'
          echo 'host all all 127.0.0.1/32 trust'
          echo 'host all all ::1/128 trust'
          cat "$hba"; } > "$hba.dbrefresh" && mv "$hba.dbrefresh" "$hba"
        pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || pg_ctlcluster "$version" main reload
        sleep 1
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

ensure_java_maven
ensure_postgres
ensure_mariadb
