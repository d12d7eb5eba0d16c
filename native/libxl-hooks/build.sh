#!/bin/sh
# Build native/libxl-hooks/build/libxl-hooks.so where the libxen-dev headers
# are installed; elsewhere say so once and succeed, since only the Xen
# backend needs it and the sim backend runs without it.
set -e
cd "$(dirname "$0")"

if ! command -v cc >/dev/null 2>&1 && ! command -v "${CC:-cc}" >/dev/null 2>&1; then
    echo "libxl-hooks: no C compiler; skipping (the Xen backend will not be able to record)"
    exit 0
fi
if ! printf '#include <xenctrl.h>\n#include <xenforeignmemory.h>\n#include <xenevtchn.h>\n' | "${CC:-cc}" -E -x c - >/dev/null 2>&1; then
    echo "libxl-hooks: libxen-dev headers not found; skipping (apt-get install libxen-dev to build the Xen backend's helpers)"
    exit 0
fi
exec make --no-print-directory -s all
