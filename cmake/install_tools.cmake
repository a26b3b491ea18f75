# Run by `cmake --install`: installs the Python package python/ (hmp-sweep,
# hmp-report) offline with Debian's pip into a venv that sees the system's
# packages (numpy, matplotlib, jsonschema), <prefix>/<libdir>/hmp/tools, and
# links its two commands into <prefix>/<bindir>, beside the apps. A venv
# records absolute paths: DESTDIR staging is not supported for it.
set(prefix "${CMAKE_INSTALL_PREFIX}")
set(venv "${prefix}/${HMP_INSTALL_LIBDIR}/hmp/tools")
message(STATUS "Installing the Python tools: ${venv}")

function(hmp_run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " what)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
endfunction()

# pip builds in the folder it is given: build a copy, not the source tree.
file(REMOVE_RECURSE "${HMP_TOOLS_STAGE}")
file(COPY "${HMP_TOOLS_SOURCE}/" DESTINATION "${HMP_TOOLS_STAGE}"
     PATTERN "__pycache__" EXCLUDE PATTERN "build" EXCLUDE PATTERN "*.egg-info" EXCLUDE)
if(NOT EXISTS "${venv}/bin/python3")
  hmp_run("${HMP_PYTHON}" -m venv --system-site-packages "${venv}")
endif()
hmp_run("${venv}/bin/python3" -m pip install --quiet --no-build-isolation --no-deps --no-index
        --disable-pip-version-check --no-warn-script-location "${HMP_TOOLS_STAGE}")
file(MAKE_DIRECTORY "${prefix}/${HMP_INSTALL_BINDIR}")
foreach(tool hmp-sweep hmp-report)
  file(RELATIVE_PATH target "${prefix}/${HMP_INSTALL_BINDIR}" "${venv}/bin/${tool}")
  file(CREATE_LINK "${target}" "${prefix}/${HMP_INSTALL_BINDIR}/${tool}" SYMBOLIC)
  message(STATUS "Installing: ${prefix}/${HMP_INSTALL_BINDIR}/${tool}")
endforeach()
