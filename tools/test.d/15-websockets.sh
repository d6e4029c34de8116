# Sourced by tools/test, after 10-terra-sdk.sh (whose venv it adds to): the
# `websockets` package, for the streaming client in tests/ written from
# Terra's published protocol (tests/terra_stream_client.py).
# Pinned: the version whose sync client the tests were written against.
websockets_pkg="websockets==15.0.1"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/erglink/venv-terra"
if ! "$venv/bin/python" -c 'import websockets, sys; sys.exit(websockets.__version__ != "15.0.1")' 2>/dev/null; then
  echo "tools/test: installing $websockets_pkg into $venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$websockets_pkg"
fi
export ERGLINK_TEST_WEBSOCKETS_PYTHON="$venv/bin/python"
