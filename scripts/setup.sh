#!/usr/bin/env bash
# Install everything the project needs, idempotently. A second run skips what is present.
#
#   - the wasm32 toolchain: rustup's target where rustup has it, else Debian's rustc-web route
#     (docs/TOOLCHAIN.md §1: rustup cannot fetch the target on machines without internet)
#   - worker-build 0.8.7 and wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock
#   - npm packages from package-lock.json (wrangler/workerd, binaryen's wasm-opt, the POPBiLL SDK)
#   - target/py: a Python venv with docs/examples/requirements.txt (the Python example's
#     standardwebhooks, pinned by hash), for the end-to-end test that runs that example
#   - on the Debian route, clippy for that toolchain (rust-web-clippy): `make lint` runs it on the
#     Worker's wasm32-only code
#
# Each failure stops with one line: what is missing and how to get it.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target # setup's own logs go there; a fresh clone has none

WORKER_BUILD_VERSION=0.8.7
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is missing; $2"; }

need cargo "install Rust with rustup (https://rustup.rs)"
need node "install Node.js 20 or newer"
need npm "install npm (it comes with Node.js)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js $node_major is too old; install Node.js 20 or newer"

# 1. The wasm32 toolchain. scripts/wasm-env.sh reads the same decision.
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "wasm32: rustup target present"
else
  if [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && command -v wasm-ld-16 >/dev/null 2>&1 \
    && [ -d /usr/lib/rustlib/src/rust/library ] && [ -x /usr/bin/cargo-clippy ]; then
    say "wasm32: Debian rustc-web toolchain present"
  elif command -v apt-get >/dev/null 2>&1; then
    # rust-web-clippy: clippy built for this rustc, so `make lint` lints the wasm32-only code.
    say "wasm32: installing Debian's rustc-web, cargo-web, rust-web-src, rust-web-clippy, lld-16 (about 20 s)"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || die "apt-get needs root; run as root or run: rustup target add wasm32-unknown-unknown"
      SUDO="sudo -n"
    fi
    export DEBIAN_FRONTEND=noninteractive
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq rustc-web cargo-web rust-web-src rust-web-clippy lld-16; } \
      >target/setup-apt.log 2>&1 \
      || die "apt-get install of rustc-web failed (see target/setup-apt.log); or run: rustup target add wasm32-unknown-unknown"
  else
    die "no wasm32 target; run: rustup target add wasm32-unknown-unknown"
  fi
  # worker-build checks that the target's libdir exists; build-std supplies std itself.
  if [ ! -d /usr/lib/rustlib/wasm32-unknown-unknown/lib ]; then
    if [ "$(id -u)" -eq 0 ]; then mkdir -p /usr/lib/rustlib/wasm32-unknown-unknown/lib
    else sudo -n mkdir -p /usr/lib/rustlib/wasm32-unknown-unknown/lib \
      || die "cannot create /usr/lib/rustlib/wasm32-unknown-unknown/lib (needs root)"
    fi
  fi
fi

# 2. worker-build.
if [ "$("$CARGO_BIN/worker-build" --version 2>/dev/null || true)" = "$WORKER_BUILD_VERSION" ]; then
  say "worker-build $WORKER_BUILD_VERSION present"
else
  say "installing worker-build $WORKER_BUILD_VERSION (about 3 minutes)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked --quiet \
    || die "cargo install worker-build failed; check that crates.io is reachable"
fi

# 3. wasm-bindgen-cli, exactly the version the Worker links against.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$wb_version" ] || die "Cargo.lock has no wasm-bindgen entry; run: cargo generate-lockfile"
if "$CARGO_BIN/wasm-bindgen" --version 2>/dev/null | grep -qx "wasm-bindgen $wb_version"; then
  say "wasm-bindgen-cli $wb_version present"
else
  say "installing wasm-bindgen-cli $wb_version (about 2 minutes)"
  # Not --locked: a locked dependency of 0.2.130 is missing from the registry (docs/TOOLCHAIN.md §2).
  cargo install wasm-bindgen-cli --version "$wb_version" --quiet \
    || die "cargo install wasm-bindgen-cli $wb_version failed; check that crates.io is reachable"
fi

# 4. npm packages, reinstalled only when package-lock.json changed.
stamp=node_modules/.setup-stamp
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ] && [ -x node_modules/.bin/wrangler ]; then
  say "npm packages present"
else
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >target/setup-npm.log 2>&1 \
    || die "npm ci failed (see target/setup-npm.log); check that the npm registry is reachable"
  echo "$lock_sum" >"$stamp"
fi
# 5. A Python environment for the documented Python endpoint (docs/examples/merchant_events.py),
#    which the end-to-end tests run against the Worker: PyPI's standardwebhooks, pinned by hash.
py=target/py
req=docs/examples/requirements.txt
py_stamp=$py/.setup-stamp
req_sum=$(sha256sum "$req" | cut -d' ' -f1)
if [ -f "$py_stamp" ] && [ "$(cat "$py_stamp")" = "$req_sum" ] && [ -x "$py/bin/python" ]; then
  say "python environment present ($py)"
else
  say "creating the python environment for the examples ($py)"
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -m venv --help >/dev/null 2>&1 \
    || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "python3 with venv is missing; install Python 3.9 or newer"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3 python3-venv; } \
      >target/setup-apt-python.log 2>&1 \
      || die "apt-get install of python3-venv failed (see target/setup-apt-python.log)"
  fi
  rm -rf "$py"
  { python3 -m venv "$py" && "$py/bin/pip" install --quiet --disable-pip-version-check \
      --require-hashes -r "$req"; } >target/setup-python.log 2>&1 \
    || die "installing $req failed (see target/setup-python.log); check that PyPI is reachable"
  echo "$req_sum" >"$py_stamp"
fi
say "ready"
