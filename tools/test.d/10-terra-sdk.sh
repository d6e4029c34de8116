# Sourced by tools/test. Debian's python3 with venv, and a venv with Terra's
# own SDK: the Terra-docs webhook receiver in tests/ is stdlib Python, and the
# SDK's venv needs ensurepip.
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "tools/test: installing python3 and python3-venv from Debian" >&2
  apt_install python3-minimal python3-venv
fi

# Pinned: the version whose client and errors the tests were written against.
terra_sdk="terra-python==1.1.0"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/erglink/venv-terra"
if ! "$venv/bin/python" -c 'import terra' 2>/dev/null; then
  echo "tools/test: creating $venv with terra-python" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$terra_sdk"
fi
export ERGLINK_TEST_PYTHON="$venv/bin/python"
