#!/bin/sh
# Installs the system packages that building and testing grpc-native need, and enables Debian source
# packages so that scripts/build-static-deps.sh can run `apt-get source`.
# Safe to run again: when every package and the deb-src entry are present it changes nothing and exits quickly.
set -eu

# C-core and its dependencies (static archives included), the build tools, the Python and Go peers used by the
# interoperability tests, unicode-data for regenerating re2's Unicode tables, dpkg-dev for `apt-get source`,
# debootstrap and iproute2 for the minimal root in which the package tests run the prebuilt binary, and
# nghttp2-client for the h2load flood of the hostile-peer tests.
PACKAGES="libgrpc-dev libssl-dev libc-ares-dev zlib1g-dev libabsl-dev libre2-dev pkg-config cmake g++ make \
protobuf-compiler python3-grpcio unicode-data dpkg-dev \
golang-go golang-google-grpc-dev golang-goprotobuf-dev debootstrap iproute2 nghttp2-client"

SOURCES_FILE=/etc/apt/sources.list.d/grpc-native-deb-src.sources

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup.sh: this script supports Debian (apt-get) only." >&2
  echo "Install the equivalents of these packages with your package manager, then build:" >&2
  echo "  $PACKAGES" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=
elif command -v sudo >/dev/null 2>&1; then
  SUDO=sudo
else
  SUDO=missing
fi

run_as_root() {
  if [ "$SUDO" = missing ]; then
    echo "setup.sh: root privileges are required. Run this script as root or install sudo. Command: $*" >&2
    exit 1
  fi
  $SUDO "$@"
}

missing=
for package in $PACKAGES; do
  status=$(dpkg-query -W -f '${db:Status-Abbrev}' "$package" 2>/dev/null || true)
  case "$status" in
    ii*) ;;
    *) missing="$missing $package" ;;
  esac
done

# `apt-get source` needs a deb-src entry for the same suites as the enabled deb entries.
has_deb_src() {
  grep -Eqs '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/*
}

added_sources=no
if ! has_deb_src; then
  # Mirror the enabled binary entries, so source packages come from the same archives.
  echo "setup.sh: enabling Debian source packages in $SOURCES_FILE"
  {
    for file in /etc/apt/sources.list.d/*.sources; do
      [ -f "$file" ] && [ "$file" != "$SOURCES_FILE" ] && sed 's/^Types:[[:space:]]*deb$/Types: deb-src/' "$file"
      echo
    done
  } | run_as_root tee "$SOURCES_FILE" >/dev/null
  if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb[[:space:]]/deb-src /p' /etc/apt/sources.list | run_as_root tee /etc/apt/sources.list.d/grpc-native-deb-src.list >/dev/null
  fi
  added_sources=yes
fi

# After the deb-src entry is added, `apt-get update` must run once before `apt-cache showsrc` finds abseil.
if [ -z "$missing" ] && [ "$added_sources" = no ] && apt-cache showsrc abseil re2 >/dev/null 2>&1; then
  echo "setup.sh: all system packages are installed."
  exit 0
fi

run_as_root apt-get update
if [ -n "$missing" ]; then
  echo "setup.sh: installing$missing"
  # $missing is a space-separated list of package names and must split into words.
  # shellcheck disable=SC2086
  run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
echo "setup.sh: done."
