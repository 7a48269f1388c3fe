# Sourced, not run: the environment for building anything for wasm32-unknown-unknown.
# Uses rustup's target where installed, else Debian's rustc-web with build-std (docs/TOOLCHAIN.md §1).
# Kept out of the shell's global environment so native builds stay on rustup's toolchain.
_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export CARGO_TARGET_DIR="${WASM_TARGET_DIR:-$_root/target/wasm}"
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  export PATH="$_cargo_bin:$PATH"
else
  if [ ! -x /usr/bin/cargo ]; then
    echo "wasm: no wasm32 toolchain; run: make setup" >&2
    return 1
  fi
  export PATH="/usr/bin:$_cargo_bin:$PATH"
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-16
fi
unset _root _cargo_bin
