# What a fleet installs: `cmake --install` and `make package` (CPack DEB) lay out the same files.
#   /usr/bin/supplyguard, /usr/bin/supplyguard-inspect      (supplyguard-gen is test data: not shipped)
#   /usr/share/man/man1/supplyguard*.1.gz                    one page per subcommand, from --help
#   /usr/lib/systemd/system/supplyguard-hunt@.service       the sensor, one instance per interface
#   /etc/supplyguard/hunt.conf                               its options (a conffile)
#   /usr/share/doc/supplyguard/install.md
# A plain `cmake --install build` installs where the package does (/usr), so the unit's paths hold.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
include(GNUInstallDirs)

install(TARGETS supplyguard supplyguard-inspect RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Man pages are generated from the built executable's --help at build time (help2man, from Debian;
# deps/package.txt), so they never drift from the options.
find_program(SG_HELP2MAN help2man)
if(SG_HELP2MAN)
  set(SG_MAN_DIR ${PROJECT_BINARY_DIR}/man/man1)
  add_custom_command(
    OUTPUT ${PROJECT_BINARY_DIR}/man/man.list
    COMMAND ${PROJECT_SOURCE_DIR}/cmake/gen-man.sh $<TARGET_FILE:supplyguard> ${PROJECT_VERSION} ${SG_MAN_DIR}
    DEPENDS supplyguard supplyguard-inspect ${PROJECT_SOURCE_DIR}/cmake/gen-man.sh
    COMMENT "Man pages from --help (help2man)"
    VERBATIM)
  add_custom_target(man ALL DEPENDS ${PROJECT_BINARY_DIR}/man/man.list)
  install(DIRECTORY ${SG_MAN_DIR}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 FILES_MATCHING PATTERN "*.1.gz")
else()
  message(STATUS "help2man not found: no man pages (`make package` installs it, deps/package.txt)")
endif()

# /etc whatever the prefix (GNUInstallDirs gives /etc only for /usr): the unit reads it from there.
set(SG_UNIT_DIR lib/systemd/system CACHE STRING "systemd unit directory, relative to the prefix")
configure_file(packaging/supplyguard-hunt@.service.in ${PROJECT_BINARY_DIR}/packaging/supplyguard-hunt@.service @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/packaging/supplyguard-hunt@.service DESTINATION ${SG_UNIT_DIR})
install(FILES packaging/hunt.conf DESTINATION /etc/supplyguard)
install(FILES docs/install.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME supplyguard)
set(CPACK_PACKAGE_VENDOR "supplyguard")
set(CPACK_PACKAGE_CONTACT "supplyguard maintainers <supplyguard@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "supply-chain defence for a server fleet: attest, hunt, inspect, fleet")
set(CPACK_PACKAGE_DESCRIPTION
    "Answers, per server: is it still the original design, and is anything on it phoning home?\n"
    "Snapshots hardware and firmware evidence against signed golden baselines (attest), finds\n"
    "implant traffic such as beacons and BMC egress (hunt, also as a systemd sensor per interface),\n"
    "compares board images with the golden board (inspect) and keeps one verdict per host (fleet).")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Runtime dependencies are read off the executables' shared libraries (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "man-db, systemd")
configure_file(packaging/conffiles ${PROJECT_BINARY_DIR}/packaging/conffiles COPYONLY)
configure_file(packaging/postinst ${PROJECT_BINARY_DIR}/packaging/postinst COPYONLY)
configure_file(packaging/postrm ${PROJECT_BINARY_DIR}/packaging/postrm COPYONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/packaging/conffiles ${PROJECT_BINARY_DIR}/packaging/postinst
    ${PROJECT_BINARY_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
