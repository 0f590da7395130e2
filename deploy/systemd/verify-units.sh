#!/usr/bin/env bash
# Runs `systemd-analyze verify` on every unit in deploy/systemd (the device template as an instance,
# alone and with its hardware drop-in). verify checks that ExecStart is executable, so the units
# are copied with /opt/edgefl/ pointing at dummy executables. Needs no running systemd.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v systemd-analyze >/dev/null; then
    echo "verify-units: systemd-analyze not found (apt-get install systemd)" >&2
    exit 1
fi

d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/gateway" "$d/cloud" "$d/device"
for x in gateway/EdgeFL.Gateway cloud/EdgeFL.CloudBridge device/EdgeFL.DeviceClient; do
    printf '#!/bin/sh\n' > "$d/$x"
    chmod +x "$d/$x"
done

units=()
for u in edgefl-gateway.service edgefl-cloud.service; do
    sed "s|/opt/edgefl/|$d/|g" "$here/$u" > "$d/$u"
    units+=("$d/$u")
done
sed "s|/opt/edgefl/|$d/|g" "$here/edgefl-device@.service" > "$d/edgefl-device@test.service"
units+=("$d/edgefl-device@test.service")
# The drop-in's settings appended to the unit: the same keys systemd would merge.
{ sed "s|/opt/edgefl/|$d/|g" "$here/edgefl-device@.service"; cat "$here/edgefl-device@.service.d/hardware.conf"; } > "$d/edgefl-device@hw.service"
units+=("$d/edgefl-device@hw.service")

# verify prints problems but may still exit 0 for some of them: fail on any output too.
out=$(systemd-analyze verify "${units[@]}" 2>&1) || { echo "$out" >&2; exit 1; }
if [ -n "$out" ]; then
    echo "$out" >&2
    exit 1
fi
echo "verify-units: ${#units[@]} units pass systemd-analyze verify"
