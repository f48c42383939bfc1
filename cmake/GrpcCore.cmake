# Finds C-core through pkg-config and links it into a target.
# C-core, c-ares, zlib and OpenSSL are linked statically with their symbols hidden; abseil and re2 are linked
# dynamically because Debian's archives of them are not position independent.
find_package(PkgConfig REQUIRED)
pkg_check_modules(GRPC_CORE REQUIRED grpc)

function(grpc_native_link_core target)
  target_include_directories(${target} PRIVATE ${GRPC_CORE_INCLUDE_DIRS})
  set(libdir /usr/lib/x86_64-linux-gnu)
  target_link_libraries(${target} PRIVATE
    -Wl,--exclude-libs,ALL
    -Wl,--start-group
    ${libdir}/libgrpc.a ${libdir}/libgpr.a ${libdir}/libupb.a ${libdir}/libaddress_sorting.a
    ${libdir}/libcares.a ${libdir}/libz.a ${libdir}/libssl.a ${libdir}/libcrypto.a
    -Wl,--end-group
    re2
    ${GRPC_CORE_STATIC_LIBRARIES}
    pthread dl)
endfunction()
