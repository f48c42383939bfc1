#!/bin/sh
# Fetches gRPC's source from Debian's `grpc` source package into third_party/grpc and builds C-core from it as
# static, position-independent libraries, for machines that have no libgrpc-dev. The addon then builds against
# that copy:
#
#   scripts/fetch-grpc-source.sh
#   npx cmake-js compile --out build --CDGRPC_NATIVE_CORE_DIR="$PWD/third_party/grpc/install"
#
# or, for an installed package, GRPC_NATIVE_CORE_DIR=<that folder> npm rebuild grpc-native.
#
# Layout under third_party/grpc (never committed):
#   source/   the unpacked source package, with Debian's patches applied (they link the system's abseil)
#   build/    the CMake build folder
#   install/  the prefix to pass as GRPC_NATIVE_CORE_DIR: include/grpc, lib/lib{grpc,gpr,upb,address_sorting}.a
#             and lib/pkgconfig/{grpc,gpr}.pc
#
# Only the C-core libraries are built, not gRPC C++ or the code generators. C-core still compiles against the
# system's abseil, re2, c-ares, OpenSSL, zlib and protobuf development packages (Debian: libabsl-dev libre2-dev
# libc-ares-dev libssl-dev zlib1g-dev libprotobuf-dev), so those must be installed. Its abseil must also be the
# version that scripts/build-static-deps.sh builds, and both scripts read the installed libabsl-dev.
#
# Measured on a 2-core machine that was running other builds at the same time (grpc 1.51.1-3): the fetch took
# 4 s and the configure and build 555 s. docs/install.md has the details.
#
# Usage: scripts/fetch-grpc-source.sh [--fetch-only]
# Environment:
#   GRPC_SOURCE_VERSION  Debian version of the grpc source package, for example 1.51.1-3. Defaults to the source
#                        version of the installed libgrpc-dev, or to the newest one that apt-cache showsrc lists.
#   JOBS                 parallel compile jobs; defaults to the number of processors.
# Needs deb-src entries in apt's sources (scripts/setup.sh adds them), dpkg-dev, cmake, g++ and make.
set -eu

fetch_only=no
case "${1:-}" in
  '') ;;
  --fetch-only) fetch_only=yes ;;
  *)
    echo "fetch-grpc-source.sh: unknown argument '$1'. Usage: scripts/fetch-grpc-source.sh [--fetch-only]" >&2
    exit 2
    ;;
esac

script_dir=$(cd "$(dirname "$0")" && pwd)
project_dir=$(dirname "$script_dir")
third_party="$project_dir/third_party/grpc"
source_parent="$third_party/source"
build_dir="$third_party/build"
prefix="$third_party/install"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

for tool in apt-get dpkg-source cmake make g++; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch-grpc-source.sh: $tool not found. On Debian run scripts/setup.sh, which installs dpkg-dev, cmake," >&2
    echo "g++ and make." >&2
    exit 1
  fi
done

if [ -n "${GRPC_SOURCE_VERSION:-}" ]; then
  version=$GRPC_SOURCE_VERSION
else
  version=$(dpkg-query -W -f '${source:Version}' libgrpc-dev 2>/dev/null || true)
fi
if [ -n "$version" ]; then
  package_spec="grpc=$version"
else
  package_spec=grpc
fi

started=$(date +%s)

if [ -d "$source_parent" ] && [ -f "$source_parent/fetch-complete" ]; then
  echo "fetch-grpc-source.sh: using the source already in $source_parent"
else
  echo "fetch-grpc-source.sh: fetching $package_spec with apt-get source into $source_parent"
  rm -rf "$source_parent"
  mkdir -p "$source_parent"
  if ! (cd "$source_parent" && apt-get source --only-source "$package_spec" >apt-source.log 2>&1); then
    cat "$source_parent/apt-source.log" >&2
    echo "fetch-grpc-source.sh: apt-get source $package_spec failed. Run scripts/setup.sh, which adds the deb-src" >&2
    echo "entries and runs apt-get update, or set GRPC_SOURCE_VERSION to a version that apt-cache showsrc grpc lists." >&2
    exit 1
  fi
  printf '%s\n' "$package_spec" >"$source_parent/fetch-complete"
fi
source_dir=$(find "$source_parent" -mindepth 1 -maxdepth 1 -type d -name 'grpc-*' | head -n 1)
if [ -z "$source_dir" ]; then
  echo "fetch-grpc-source.sh: no grpc-* folder in $source_parent. Delete that folder and run the script again." >&2
  exit 1
fi
echo "fetch-grpc-source.sh: source in $source_dir"

if [ "$fetch_only" = yes ]; then
  exit 0
fi

# Debian's flags without -g, so that neither the archives nor the addon carry debug information.
if command -v dpkg-buildflags >/dev/null 2>&1; then
  cflags=$(dpkg-buildflags --get CFLAGS | sed -e 's/-g\b//g' -e 's/-ffile-prefix-map=[^ ]*//g')
  cxxflags=$(dpkg-buildflags --get CXXFLAGS | sed -e 's/-g\b//g' -e 's/-ffile-prefix-map=[^ ]*//g')
else
  cflags=-O2
  cxxflags=-O2
fi

# The dependency options are Debian's (debian/rules of the grpc package). Code generators and C# are off
# because only C-core is built, and position-independent code lets the archives go into the addon.
# gRPC 1.51 declares the grpc_plugin_support library even with codegen off, and CMake requires protoc's
# library for it. That target is never built here, so a placeholder path satisfies the check.
echo "fetch-grpc-source.sh: configuring in $build_dir"
cmake -S "$source_dir" -B "$build_dir" \
  -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_FLAGS="$cflags" \
  -DCMAKE_CXX_FLAGS="$cxxflags" \
  -DCMAKE_CXX_STANDARD=17 \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DBUILD_SHARED_LIBS=OFF \
  -DgRPC_BUILD_TESTS=OFF \
  -DgRPC_BUILD_CODEGEN=OFF \
  -DgRPC_BUILD_CSHARP_EXT=OFF \
  -DgRPC_BACKWARDS_COMPATIBILITY_MODE=OFF \
  -DgRPC_ABSL_PROVIDER=package \
  -DgRPC_CARES_PROVIDER=package \
  -DgRPC_PROTOBUF_PROVIDER=package \
  -DgRPC_RE2_PROVIDER=package \
  -DgRPC_SSL_PROVIDER=package \
  -DgRPC_ZLIB_PROVIDER=package \
  -DProtobuf_PROTOC_LIBRARY=protoc-library-not-needed-for-c-core \
  -DgRPC_INSTALL_LIBDIR=lib >"$third_party/configure.log" 2>&1 || {
  tail -n 40 "$third_party/configure.log" >&2
  echo "fetch-grpc-source.sh: CMake could not configure gRPC; the full log is $third_party/configure.log." >&2
  exit 1
}

echo "fetch-grpc-source.sh: building C-core (grpc, gpr, upb, address_sorting) with $JOBS jobs"
cmake --build "$build_dir" --parallel "$JOBS" --target grpc gpr upb address_sorting \
  >"$third_party/build.log" 2>&1 || {
  tail -n 40 "$third_party/build.log" >&2
  echo "fetch-grpc-source.sh: the build failed; the full log is $third_party/build.log." >&2
  exit 1
}

# `cmake --install` would need gRPC C++ built too, because gRPC's CMake files put every library in one install
# component. C-core needs only its headers, its four archives and the two pkg-config files.
rm -rf "$prefix"
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
cp -R "$source_dir/include/grpc" "$prefix/include/"
for library in grpc gpr upb address_sorting; do
  cp "$build_dir/lib$library.a" "$prefix/lib/"
done
cp "$build_dir/libs/opt/pkgconfig/grpc.pc" "$build_dir/libs/opt/pkgconfig/gpr.pc" "$prefix/lib/pkgconfig/"

elapsed=$(($(date +%s) - started))
echo "fetch-grpc-source.sh: C-core installed in $prefix in ${elapsed}s."
echo "Build the addon against it with:"
echo "  npx cmake-js compile --out build --CDGRPC_NATIVE_CORE_DIR=$prefix"
