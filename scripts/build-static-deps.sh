#!/bin/sh
# Builds abseil and re2 as static, position-independent libraries from Debian's source packages, so that
# the addon can link them in and depend on no abseil or re2 shared objects.
#
# Debian's own libabsl*.a and libre2.a cannot go into a shared object: their thread-local variables use the
# initial-exec model (R_X86_64_TPOFF32 relocations). The sources come from the versions of libabsl-dev and
# libre2-dev that are installed, with Debian's patches applied, because libgrpc.a was compiled against those
# headers: abseil's inline namespace (absl::debian3) and its options (absl::optional rather than std::optional)
# must match.
#
# Output: a prefix with include/ and lib/, by default
#   ${XDG_CACHE_HOME:-$HOME/.cache}/grpc-native/deps/abseil-<version>_re2-<version>
# or the folder named by GRPC_NATIVE_DEPS_DIR. cmake/GrpcCore.cmake looks in the same place. When that folder
# is complete the script exits at once; delete it to force a rebuild.
# Needs: scripts/setup.sh run first (deb-src entries, dpkg-dev, cmake, g++, make, python3, unicode-data).
set -eu

package_source_version() {
  dpkg-query -W -f '${source:Version}' "$1" 2>/dev/null || {
    echo "build-static-deps.sh: package $1 is not installed. Run scripts/setup.sh first." >&2
    exit 1
  }
}

ABSEIL_VERSION=$(package_source_version libabsl-dev)
RE2_VERSION=$(package_source_version libre2-dev)
# An epoch ("1:") is not wanted in a folder name.
versions_tag=$(printf 'abseil-%s_re2-%s' "$ABSEIL_VERSION" "$RE2_VERSION" | tr ':' '_')
DEPS_DIR=${GRPC_NATIVE_DEPS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/grpc-native/deps/$versions_tag}
STAMP="$DEPS_DIR/build-complete"

if [ -f "$STAMP" ]; then
  echo "build-static-deps.sh: abseil and re2 are already built in $DEPS_DIR"
  exit 0
fi

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
# Debian's compiler flags without -g, so that neither the archives nor the addon carry debug information.
CXXFLAGS_BASE=$(dpkg-buildflags --get CXXFLAGS | sed -e 's/-g\b//g' -e 's/-ffile-prefix-map=[^ ]*//g')

started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/grpc-native-deps.XXXXXX")
staging="$DEPS_DIR.partial"
trap 'rm -rf "$work"' EXIT
rm -rf "$staging"
mkdir -p "$staging"

echo "build-static-deps.sh: fetching sources abseil=$ABSEIL_VERSION re2=$RE2_VERSION into $work"
if ! (cd "$work" && apt-get source --only-source "abseil=$ABSEIL_VERSION" "re2=$RE2_VERSION" >apt-source.log 2>&1); then
  cat "$work/apt-source.log" >&2
  echo "build-static-deps.sh: apt-get source failed. Run scripts/setup.sh, which adds the deb-src entries and" >&2
  echo "runs apt-get update. If the installed version is no longer in the archive, upgrade libabsl-dev," >&2
  echo "libre2-dev and libgrpc-dev together." >&2
  exit 1
fi
abseil_src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'abseil-*')
re2_src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 're2-*')

# abseil: Debian's CMake options (C++17, static libraries) plus position-independent code. No NDEBUG, as in
# Debian's build (build type None), so that any layout that depends on it matches libgrpc.a.
echo "build-static-deps.sh: building abseil with $JOBS jobs"
cmake -S "$abseil_src" -B "$work/abseil-build" \
  -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS_BASE" \
  -DCMAKE_CXX_STANDARD=17 \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DBUILD_SHARED_LIBS=OFF \
  -DBUILD_TESTING=OFF \
  -DCMAKE_INSTALL_PREFIX="$staging" \
  -DCMAKE_INSTALL_LIBDIR=lib >"$work/abseil-configure.log" 2>&1 || {
  tail -n 40 "$work/abseil-configure.log" >&2
  exit 1
}
cmake --build "$work/abseil-build" --parallel "$JOBS" >"$work/abseil-build.log" 2>&1 || {
  tail -n 40 "$work/abseil-build.log" >&2
  exit 1
}
cmake --install "$work/abseil-build" >/dev/null

# re2: its own Makefile, as Debian builds it. Debian's source drops the generated Unicode tables, so
# REBUILD_TABLES=1 regenerates them from the unicode-data package.
echo "build-static-deps.sh: building re2 with $JOBS jobs"
make -C "$re2_src" -j "$JOBS" REBUILD_TABLES=1 \
  CXXFLAGS="$(echo "$CXXFLAGS_BASE" | sed 's/-O2/-O3/') -fPIC -std=c++11" \
  prefix="$staging" libdir="$staging/lib" static-install >"$work/re2-build.log" 2>&1 || {
  tail -n 40 "$work/re2-build.log" >&2
  exit 1
}

printf 'abseil %s\nre2 %s\n' "$ABSEIL_VERSION" "$RE2_VERSION" >"$staging/build-complete"
rm -rf "$DEPS_DIR"
mv "$staging" "$DEPS_DIR"

elapsed=$(($(date +%s) - started))
echo "build-static-deps.sh: built abseil and re2 into $DEPS_DIR in ${elapsed}s"
