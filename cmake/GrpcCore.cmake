# Finds gRPC C-core and links it, with everything it depends on, statically into the addon.
#
# Node exports its own OpenSSL 3 symbols, so a shared libgrpc or libssl could have its calls bound to Node's copy.
# Every archive therefore goes into the addon with its symbols hidden, and a version script exports only the
# Node-API entry points. The addon then needs no shared objects beyond libc, libm, libstdc++, libgcc_s and the
# loader.
#
# abseil and re2 come from position-independent archives built by scripts/build-static-deps.sh, because Debian's
# archives of them cannot be linked into a shared object. Without those the build falls back to Debian's shared
# abseil and re2, with a warning.
#
# Options:
#   GRPC_NATIVE_CORE_DIR  install prefix of a C-core built from source (for example under third_party/grpc),
#                         used in place of Debian's libgrpc-dev. Empty by default.
#   GRPC_NATIVE_DEPS_DIR  prefix of the static abseil and re2, also read from the environment variable of the
#                         same name. Defaults to the folder that scripts/build-static-deps.sh fills.

set(GRPC_NATIVE_CORE_DIR "" CACHE PATH "Install prefix of a C-core built from source; empty uses Debian's libgrpc-dev")

if(GRPC_NATIVE_CORE_DIR)
  if(NOT EXISTS "${GRPC_NATIVE_CORE_DIR}/lib/pkgconfig/grpc.pc")
    message(FATAL_ERROR "GRPC_NATIVE_CORE_DIR=${GRPC_NATIVE_CORE_DIR} is not a C-core install prefix: "
      "lib/pkgconfig/grpc.pc is missing. Install C-core there or leave the option empty.")
  endif()
  set(ENV{PKG_CONFIG_PATH} "${GRPC_NATIVE_CORE_DIR}/lib/pkgconfig:$ENV{PKG_CONFIG_PATH}")
  set(_grpc_core_libdir "${GRPC_NATIVE_CORE_DIR}/lib")
else()
  set(_grpc_core_libdir "/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}")
endif()

find_package(PkgConfig REQUIRED)
# pkg_check_modules keeps its first result in the cache. Clearing its marker makes a change of
# GRPC_NATIVE_CORE_DIR take effect in an existing build folder.
unset(__pkg_config_checked_GRPC_CORE CACHE)
pkg_check_modules(GRPC_CORE grpc)
if(NOT GRPC_CORE_FOUND)
  message(FATAL_ERROR "gRPC C-core's development files (pkg-config module grpc) were not found. Install the "
    "package libgrpc-dev (Debian and Ubuntu; scripts/setup.sh installs it with the other build packages), or "
    "build C-core with scripts/fetch-grpc-source.sh and set GRPC_NATIVE_CORE_DIR to the folder it prints.")
endif()

# Sets out_var to the default deps folder, named after the installed Debian versions the same way as in
# scripts/build-static-deps.sh.
function(_grpc_native_default_deps_dir out_var)
  foreach(package libabsl-dev libre2-dev)
    execute_process(COMMAND dpkg-query -W -f [=[${source:Version}]=] ${package}
      OUTPUT_VARIABLE version RESULT_VARIABLE result ERROR_QUIET)
    if(NOT result EQUAL 0)
      set(${out_var} "" PARENT_SCOPE)
      return()
    endif()
    list(APPEND versions "${version}")
  endforeach()
  list(GET versions 0 abseil_version)
  list(GET versions 1 re2_version)
  string(REPLACE ":" "_" tag "abseil-${abseil_version}_re2-${re2_version}")
  if(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
    set(cache_home "$ENV{XDG_CACHE_HOME}")
  else()
    set(cache_home "$ENV{HOME}/.cache")
  endif()
  set(${out_var} "${cache_home}/grpc-native/deps/${tag}" PARENT_SCOPE)
endfunction()

if(NOT GRPC_NATIVE_DEPS_DIR)
  if(DEFINED ENV{GRPC_NATIVE_DEPS_DIR} AND NOT "$ENV{GRPC_NATIVE_DEPS_DIR}" STREQUAL "")
    set(GRPC_NATIVE_DEPS_DIR "$ENV{GRPC_NATIVE_DEPS_DIR}")
  else()
    _grpc_native_default_deps_dir(GRPC_NATIVE_DEPS_DIR)
  endif()
endif()
if(GRPC_NATIVE_DEPS_DIR)
  get_filename_component(GRPC_NATIVE_DEPS_DIR "${GRPC_NATIVE_DEPS_DIR}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
endif()

# Sets out_var to the archive for one library name from pkg-config, or to a plain link item when the library
# stays shared (glibc's stubs, libatomic, and abseil and re2 when no static build is found).
function(_grpc_native_resolve_library name out_var)
  if(name MATCHES "^(pthread|dl|rt|m)$")
    # Since glibc 2.34 these live in libc, and the archives of these names are empty stubs.
    set(${out_var} "${name}" PARENT_SCOPE)
    return()
  elseif(name STREQUAL "atomic")
    # --as-needed keeps libatomic only where it is used. On x86-64 C-core uses none of it.
    set(${out_var} "-Wl,--push-state,--as-needed" "atomic" "-Wl,--pop-state" PARENT_SCOPE)
    return()
  endif()

  set(search_dirs)
  if(GRPC_NATIVE_CORE_DIR)
    list(APPEND search_dirs "${GRPC_NATIVE_CORE_DIR}/lib")
  endif()
  if(name MATCHES "^(absl_.*|re2)$")
    # Debian's own archives of these are not position independent, so the system folder is not searched.
    if(GRPC_NATIVE_STATIC_ABSL_RE2)
      list(APPEND search_dirs "${GRPC_NATIVE_DEPS_DIR}/lib")
    endif()
  else()
    list(APPEND search_dirs "${_grpc_core_libdir}" "/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}")
  endif()

  foreach(dir IN LISTS search_dirs)
    if(EXISTS "${dir}/lib${name}.a")
      set(${out_var} "${dir}/lib${name}.a" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  if(name MATCHES "^(absl_.*|re2)$")
    set(${out_var} "${name}" PARENT_SCOPE)
  else()
    message(FATAL_ERROR "Static archive lib${name}.a not found in: ${search_dirs}. Run scripts/setup.sh.")
  endif()
endfunction()

function(grpc_native_link_core target)
  if(EXISTS "${GRPC_NATIVE_DEPS_DIR}/build-complete")
    set(GRPC_NATIVE_STATIC_ABSL_RE2 ON)
    message(STATUS "grpc-native: static abseil and re2 from ${GRPC_NATIVE_DEPS_DIR}")
  else()
    set(GRPC_NATIVE_STATIC_ABSL_RE2 OFF)
    message(WARNING "grpc-native: no static abseil and re2 in '${GRPC_NATIVE_DEPS_DIR}', so the addon links "
      "Debian's shared libabsl_* and libre2. Run scripts/build-static-deps.sh, and the next build links them "
      "statically.")
    # CMake ignores a configure dependency on a missing file, so watch the nearest folder that exists: the
    # script's final rename changes that folder's time stamp, and the next build re-runs CMake.
    if(GRPC_NATIVE_DEPS_DIR)
      set(watched "${GRPC_NATIVE_DEPS_DIR}")
      while(NOT IS_DIRECTORY "${watched}")
        get_filename_component(watched "${watched}" DIRECTORY)
      endwhile()
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${watched}")
    endif()
  endif()

  set(libraries ${GRPC_CORE_STATIC_LIBRARIES})
  list(REMOVE_DUPLICATES libraries)
  set(link_items)
  foreach(name IN LISTS libraries)
    _grpc_native_resolve_library(${name} item)
    list(APPEND link_items ${item})
  endforeach()

  # Only the two functions Node looks up when it loads an addon stay global.
  set(version_script "${CMAKE_CURRENT_BINARY_DIR}/grpc_native_exports.map")
  file(CONFIGURE OUTPUT "${version_script}" CONTENT
    "{\n  global:\n    napi_register_module_v1;\n    node_api_module_get_api_version_v1;\n  local:\n    *;\n};\n")

  target_include_directories(${target} PRIVATE ${GRPC_CORE_INCLUDE_DIRS})
  target_compile_options(${target} PRIVATE ${GRPC_CORE_CFLAGS_OTHER})
  # Removing duplicates broke pkg-config's dependency order, so the linker rescans the archives as one group.
  target_link_libraries(${target} PRIVATE
    -Wl,--exclude-libs,ALL
    "-Wl,--version-script=${version_script}"
    -Wl,--start-group ${link_items} -Wl,--end-group
    -pthread)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${version_script}")
endfunction()
