#!/usr/bin/env bash
# Vendor the built front-end assets into static/vendor/ so a fresh machine needs no Node.js.
# Run by a developer when upgrading; the versions are pinned here and the result is committed.
#   DKFDS (Det Fælles Designsystem), Chart.js (dashboard charts), htmx (progressive enhancement).
set -euo pipefail
DKFDS_VERSION=11.2.0
CHARTJS_VERSION=4.5.1
HTMX_VERSION=2.0.4

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/viaviden/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "dkfds@$DKFDS_VERSION" "chart.js@$CHARTJS_VERSION" "htmx.org@$HTMX_VERSION" >/dev/null
for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done

rm -rf "$dest" && mkdir -p "$dest/dkfds/css" "$dest/dkfds/js" "$dest/dkfds/fonts/IBMPlexSans/complete" "$dest/chartjs" "$dest/htmx"
d="dkfds-$DKFDS_VERSION/package/dist"
cp "$d/css/dkfds.min.css" "$dest/dkfds/css/"
cp "$d/js/dkfds.min.js" "$dest/dkfds/js/"
cp -r "$d/img" "$dest/dkfds/"
# Only the woff2/woff faces the stylesheet references (the full font tree is 12 MB).
cp -r "$d/fonts/IBMPlexSans/complete/woff2" "$d/fonts/IBMPlexSans/complete/woff" "$dest/dkfds/fonts/IBMPlexSans/complete/"
cp "$d/LICENSE.md" "$dest/dkfds/"
cp "chart.js-$CHARTJS_VERSION/package/dist/chart.umd.js" "$dest/chartjs/chart.umd.min.js"
cp "chart.js-$CHARTJS_VERSION/package/LICENSE.md" "$dest/chartjs/"
cp "htmx.org-$HTMX_VERSION/package/dist/htmx.min.js" "$dest/htmx/"
cp "htmx.org-$HTMX_VERSION/package/LICENSE" "$dest/htmx/"
cat > "$dest/VERSIONS.txt" <<V
dkfds $DKFDS_VERSION (npm)
chart.js $CHARTJS_VERSION (npm)
htmx.org $HTMX_VERSION (npm)
V
echo "vendored into $dest"
