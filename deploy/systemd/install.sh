#!/usr/bin/env bash
# Publishes the EdgeFL services to /opt/edgefl, installs their systemd units and example
# configuration. Safe to run again: configuration that exists is never overwritten.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: sudo deploy/systemd/install.sh [--help] [--hardware] [component...]

Publishes and installs EdgeFL services for systemd. Components: gateway, cloud, device
(default: all three).

  gateway  dotnet publish src/Gateway     -> /opt/edgefl/gateway  (EdgeFL.Gateway)
  cloud    dotnet publish src/CloudBridge -> /opt/edgefl/cloud    (EdgeFL.CloudBridge)
  device   dotnet publish src/DeviceClient -> /opt/edgefl/device  (EdgeFL.DeviceClient)

With any of them, the operator's CLI: dotnet publish src/Cli -> /opt/edgefl/cli (edgefl:
provision-device, provision-gateway, keygen, make-certs, inspect, ...; edgefl --help).

Then:
  - copies the unit files to /etc/systemd/system (edgefl-gateway.service,
    edgefl-cloud.service, edgefl-device@.service),
  - creates /etc/edgefl/<component>.json (gateway.json, cloud.json, device.json) from an
    example if it does not exist; it layers over the published appsettings.json,
  - for the cloud, writes /etc/edgefl/cloud-initial-model.msgpack (a freshly initialised MLP)
    if it does not exist,
  - with --hardware, installs the device drop-in edgefl-device@.service.d/hardware.conf (GPIO and
    I2C access for Device:Power:Source=gpio|ina219; needs the gpio and i2c groups),
  - checks the installed units with systemd-analyze verify when it is available,
  - copies docs/*.md to /opt/edgefl/docs,
  - runs 'systemctl daemon-reload' when systemd is running.
It does not enable or start any unit.

Environment:
  EDGEFL_RID       runtime identifier to publish for (e.g. linux-arm64 on a Raspberry Pi);
                   framework-dependent either way: the target needs the .NET 10 runtime.
  EDGEFL_PREFIX    install root (default /opt/edgefl)
  EDGEFL_CONFIG    configuration root (default /etc/edgefl)
  EDGEFL_UNIT_DIR  unit directory (default /etc/systemd/system)
  DOTNET           dotnet executable (default: dotnet on PATH)
USAGE
}

components=()
hardware=0
for arg in "$@"; do
    case "$arg" in
        -h|--help) usage; exit 0 ;;
        --hardware) hardware=1 ;;
        gateway|cloud|device) components+=("$arg") ;;
        *) echo "install.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
    esac
done
if [ ${#components[@]} -eq 0 ]; then
    components=(gateway cloud device)
fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
prefix=${EDGEFL_PREFIX:-/opt/edgefl}
config=${EDGEFL_CONFIG:-/etc/edgefl}
unit_dir=${EDGEFL_UNIT_DIR:-/etc/systemd/system}
dotnet=${DOTNET:-dotnet}
rid_args=()
if [ -n "${EDGEFL_RID:-}" ]; then
    rid_args=(-r "$EDGEFL_RID" --self-contained false)
fi

project_of() {
    case "$1" in
        gateway) echo src/Gateway ;;
        cloud) echo src/CloudBridge ;;
        device) echo src/DeviceClient ;;
    esac
}

unit_of() {
    case "$1" in
        gateway) echo edgefl-gateway.service ;;
        cloud) echo edgefl-cloud.service ;;
        device) echo edgefl-device@.service ;;
    esac
}

# Writes $2 to $1 unless $1 exists.
write_if_absent() {
    if [ -e "$1" ]; then
        echo "keeping existing $1"
    else
        printf '%s\n' "$2" > "$1"
        chmod 0644 "$1"
        echo "wrote example $1"
    fi
}

example_config() {
    case "$1" in
        gateway) cat <<JSON
{
  // See docs/CONFIGURATION.md for every key.
  "Gateway": {
    "GatewayId": "gateway-1",
    // Start from a model file, or leave it out to take the cloud's global model.
    // "InitialModelPath": "$config/gateway-initial-model.msgpack",
    // Devices authenticate with credentials ($prefix/cli/edgefl provision-device ID) and come in from
    // other machines over TLS (edgefl make-certs or your PKI; docs/SECURITY.md). The plain listener stays on
    // loopback: only the gateway's own client and local tools use it.
    "Broker": {
      "Embedded": true, "BindAddress": "127.0.0.1", "Port": 1883,
      "Tls": { "Enabled": false, "Port": 8883, "CertificatePath": "$config/pki/server.pem", "KeyPath": "$config/pki/server.key" }
    },
    "Rounds": { "Deadline": "00:01:00", "QuorumFraction": 1.0, "SyncEvery": 5 },
    // The uplink's password (edgefl provision-gateway at the cloud) goes in /etc/edgefl/gateway.env as
    // Gateway__Cloud__Password=...; switch TLS on once the cloud broker has a certificate.
    "Cloud": { "Enabled": true, "Host": "127.0.0.1", "Port": 1884, "Tls": { "Enabled": false, "CaCertificatePath": "$config/pki/ca.pem" } },
    // The cloud's public key (its state folder's cloud.pub, copied here; OPERATIONS.md,
    // "Model signing keys"). The gateway's own key is generated in its state folder.
    "Signing": { "CloudPublicKeyPath": "$config/cloud.pub" }
  }
}
JSON
        ;;
        cloud) cat <<JSON
{
  // See docs/CONFIGURATION.md for every key.
  "Cloud": {
    "EmbeddedBroker": true,
    "BindAddress": "127.0.0.1",
    "Port": 1884,
    "InitialModelPath": "$config/cloud-initial-model.msgpack",
    "ExpectedGateways": 1,
    "SyncDeadline": "00:01:00",
    // Gateways authenticate ($prefix/cli/edgefl provision-gateway ID); from other machines over TLS.
    "Tls": { "Enabled": false, "Port": 8883, "CertificatePath": "$config/pki/server.pem", "KeyPath": "$config/pki/server.key" }
  }
}
JSON
        ;;
        device) cat <<'JSON'
{
  // See docs/CONFIGURATION.md for every key. Device:DeviceId comes from the unit instance
  // (edgefl-device@<id>); per-device settings go in /etc/edgefl/device-<id>.env.
  "Device": {
    "GatewayId": "gateway-1",
    // Its password (edgefl provision-device at the gateway) goes in /etc/edgefl/device-<id>.env as
    // Device__Password=... (mode 0600). From another machine: BrokerPort 8883 and Tls on.
    "BrokerHost": "127.0.0.1",
    "BrokerPort": 1883,
    "Tls": { "Enabled": false, "CaCertificatePath": "/etc/edgefl/pki/ca.pem" },
    "Data": { "Directory": "/usr/share/datasets/fashion-mnist", "Shards": 20, "Seed": 42, "Model": "mlp" },
    // auto: TorchSharp where this build carries it and libtorch loads (x64), the managed backend elsewhere.
    "Training": { "Backend": "auto" },
    // The gateway's public key (its state folder's gateway.pub, copied here; OPERATIONS.md,
    // "Model signing keys").
    "Signing": { "GatewayPublicKeyPath": "/etc/edgefl/gateway.pub" }
  }
}
JSON
        ;;
    esac
}

if [ "$(id -u)" -ne 0 ] && [ -z "${EDGEFL_PREFIX:-}${EDGEFL_CONFIG:-}${EDGEFL_UNIT_DIR:-}" ]; then
    echo "install.sh: run as root (or set EDGEFL_PREFIX, EDGEFL_CONFIG and EDGEFL_UNIT_DIR)" >&2
    exit 1
fi

echo "publishing cli to $prefix/cli"
"$dotnet" publish "$repo/src/Cli" -c Release -o "$prefix/cli" "${rid_args[@]}"

for c in "${components[@]}"; do
    out="$prefix/$c"
    echo "publishing $c to $out"
    "$dotnet" publish "$repo/$(project_of "$c")" -c Release -o "$out" "${rid_args[@]}"

    mkdir -p "$unit_dir"
    install -m 0644 "$repo/deploy/systemd/$(unit_of "$c")" "$unit_dir/$(unit_of "$c")"
    echo "installed $unit_dir/$(unit_of "$c")"

    if [ "$c" = device ] && [ "$hardware" = 1 ]; then
        mkdir -p "$unit_dir/edgefl-device@.service.d"
        install -m 0644 "$repo/deploy/systemd/edgefl-device@.service.d/hardware.conf" "$unit_dir/edgefl-device@.service.d/hardware.conf"
        echo "installed $unit_dir/edgefl-device@.service.d/hardware.conf"
    fi

    mkdir -p "$config"
    write_if_absent "$config/$c.json" "$(example_config "$c")"
    if [ "$c" = cloud ]; then
        if [ -e "$config/cloud-initial-model.msgpack" ]; then
            echo "keeping existing $config/cloud-initial-model.msgpack"
        else
            "$dotnet" run --project "$repo/src/Cli" -c Release -- init-model --model mlp --out "$config/cloud-initial-model.msgpack"
            chmod 0644 "$config/cloud-initial-model.msgpack"
        fi
    fi
done

# Check what was installed (units name /opt/edgefl, so only for the default prefix; the template
# is checked through an instance link).
if command -v systemd-analyze >/dev/null && [ "$prefix" = /opt/edgefl ]; then
    verify=()
    for c in "${components[@]}"; do
        case "$c" in
            device) ln -sf edgefl-device@.service "$unit_dir/edgefl-device@check.service"; verify+=("$unit_dir/edgefl-device@check.service") ;;
            *) verify+=("$unit_dir/$(unit_of "$c")") ;;
        esac
    done
    systemd-analyze verify "${verify[@]}" || echo "install.sh: systemd-analyze verify reported problems" >&2
    rm -f "$unit_dir/edgefl-device@check.service"
fi

mkdir -p "$prefix/docs"
install -m 0644 "$repo"/docs/*.md "$prefix/docs/"

if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    echo "systemd reloaded; start with e.g.: systemctl enable --now edgefl-gateway"
else
    echo "systemd is not running here; skipped daemon-reload"
fi
