# shellcheck shell=bash
# Shared helpers for scripts/*: sourced, never run. Every script must work on a
# brand-new Debian machine (CI may be one), so each helper installs what it needs.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$REPO/.cache" # gitignored

say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_apt PKG... : install only the packages that are missing.
_APT_UPDATED=
ensure_apt() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine has empty package lists; refresh them once per script run.
  if [ -z "$_APT_UPDATED" ]; then apt-get -qq update >/dev/null; _APT_UPDATED=1; fi
  apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
}

# install_deps: node dependencies (npm keeps package-lock.json authoritative;
# bun is the fallback and must not write a second lockfile).
install_deps() {
  local stamp="$REPO/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$REPO/package.json" ] && [ "$stamp" -nt "$REPO/package-lock.json" ]; then
    return 0
  fi
  say "installing node dependencies"
  if command -v npm >/dev/null; then
    (cd "$REPO" && npm install --no-audit --no-fund --loglevel=error)
  else
    (cd "$REPO" && bun install --no-save)
  fi
}

# ensure_bun: bun on PATH, else the one npm installs from devDependencies.
ensure_bun() {
  command -v bun >/dev/null && return 0
  if [ ! -x "$REPO/node_modules/.bin/bun" ]; then
    command -v npm >/dev/null || ensure_apt npm
    say "installing bun via npm"
    (cd "$REPO" && npm install --no-audit --no-fund --loglevel=error)
  fi
  export PATH="$REPO/node_modules/.bin:$PATH"
  command -v bun >/dev/null || die "bun not found after npm install"
}

# ensure_cc: a C compiler lets the build embed ffi/native.c precompiled (containers
# start ~8 ms faster than with bun:ffi's run-time TinyCC fallback).
ensure_cc() {
  local c
  for c in cc gcc clang tcc; do command -v "$c" >/dev/null && return 0; done
  ensure_apt gcc libc6-dev
}

# busybox_is_static: Debian's plain 'busybox' package is dynamic and useless in a bare rootfs.
busybox_is_static() {
  [ -x /usr/bin/busybox ] && ! ldd /usr/bin/busybox >/dev/null 2>&1
}

ensure_busybox() {
  busybox_is_static || ensure_apt busybox-static
  busybox_is_static || die "/usr/bin/busybox is not a static binary"
}

# make_busybox_rootfs DIR: the smallest useful image (no Docker Hub here).
make_busybox_rootfs() {
  local d="$1" app
  ensure_busybox
  (
    umask 022
    mkdir -p "$d"/{bin,etc,proc,sys,dev,tmp}
    chmod 1777 "$d/tmp"
    # A copy, not a symlink: the host path does not exist inside the container.
    cp /usr/bin/busybox "$d/bin/busybox"
    for app in $("$d/bin/busybox" --list); do
      [ "$app" = busybox ] || ln -sfn busybox "$d/bin/$app"
    done
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >"$d/etc/passwd"
    printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$d/etc/group"
  )
}

# busybox_tar [OUT]: rootfs tarball, built once and cached by busybox's hash.
# With OUT, copy it there; without, print the cached path.
busybox_tar() {
  ensure_busybox
  local sum tar tmp
  sum=$(sha256sum /usr/bin/busybox | cut -c1-12)
  tar="$CACHE/busybox-$sum.tar"
  if [ ! -s "$tar" ]; then
    mkdir -p "$CACHE"
    tmp=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    make_busybox_rootfs "$tmp/rootfs"
    # No "./" prefix, root-owned, sorted: like `docker export` output, reproducible.
    tar -C "$tmp/rootfs" --numeric-owner --owner=0 --group=0 --sort=name -cf "$tmp/out.tar" bin dev etc proc sys tmp
    mv -f "$tmp/out.tar" "$tar" # atomic: parallel callers never see half a tar
    rm -rf "$tmp"
  fi
  if [ $# -gt 0 ]; then cp "$tar" "$1"; else printf '%s\n' "$tar"; fi
}

# debian_tar: a minimal Debian bookworm rootfs tarball (debootstrap from Debian's
# mirror, the one outside host this machine reaches), built once and cached.
debian_tar() {
  ensure_apt debootstrap
  local tar="$CACHE/debian-bookworm-minbase.tar" tmp
  if [ ! -s "$tar" ]; then
    mkdir -p "$CACHE"
    tmp=$(mktemp -d "$CACHE/debian.XXXXXX")
    debootstrap --variant=minbase bookworm "$tmp/rootfs" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; rm -rf "$tmp"; die "debootstrap failed"; }
    tar -C "$tmp/rootfs" --numeric-owner -cf "$tmp/out.tar" .
    mv -f "$tmp/out.tar" "$tar"
    rm -rf "$tmp"
  fi
  printf '%s\n' "$tar"
}
