# Sourced by tools/test. Debian's PostgreSQL server binaries, for the
# throwaway clusters the PostgreSQL tests and benchmark start
# (erglink_postgres::test_cluster: initdb and pg_ctl as an unprivileged
# user, in a temporary folder, on 127.0.0.1 only). The tests never use the
# cluster the package may create for itself.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  echo "tools/test: installing postgresql from Debian" >&2
  apt_install postgresql
fi
ERGLINK_TEST_PG_BIN="$(pg_bin)"
export ERGLINK_TEST_PG_BIN
# As root the clusters run as nobody, through runuser (util-linux).
if [ "$(id -u)" -eq 0 ] && ! command -v runuser >/dev/null; then
  apt_install util-linux
fi
