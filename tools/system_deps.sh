#!/usr/bin/env bash
# Install the system packages some tests use, where this is possible (root + apt-get).
# Elsewhere nothing happens and those tests report a skip saying what is missing.
set -u
want=()
[ -x /usr/bin/chromium ] || want+=(chromium)
[ -d /usr/share/wordnet ] || want+=(wordnet-base)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages for the tests: ${want[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}") \
    >/tmp/course-apt.log 2>&1 || echo "warning: could not install ${want[*]} (see /tmp/course-apt.log); the tests that need them will be skipped"
else
  echo "note: ${want[*]} not installed and apt-get is not usable here; the tests that need them will be skipped"
fi
exit 0
