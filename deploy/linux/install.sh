#!/usr/bin/env bash
# Install botox-kiosk so that it starts at boot, as a systemd user service of the kiosk user.
#
# Run it as the kiosk user (a normal account with sudo rights), logged in on the console or
# over SSH, from the folder that holds deploy/ and the bundle copied from dist/botox-kiosk:
#
#   deploy/linux/install.sh [--x11] [--autologin] [--config FILE] [BUNDLE_DIR]
#
#   --x11         run in the user's X11 session instead of under the cage Wayland compositor
#   --autologin   also log the kiosk user in automatically at boot (getty on tty1 for cage;
#                 LightDM for --x11); without it, the script says what to set up
#   --config FILE install FILE as ~/.config/botox-kiosk/kiosk.toml (the old one is kept as .bak)
#   BUNDLE_DIR    the bundle folder (default: dist/botox-kiosk beside deploy/)
#
# Safe to run again: to update the bundle, to change the config, or to switch --x11 on or off.
set -euo pipefail

PREFIX=/opt/botox-kiosk
UNIT=botox-kiosk.service
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}

variant=cage
autologin=no
config_src=""
bundle=""
while [ $# -gt 0 ]; do
    case $1 in
    --x11) variant=x11 ;;
    --autologin) autologin=yes ;;
    --config)
        [ $# -ge 2 ] || die "--config needs a file"
        config_src=$2
        shift
        ;;
    -h | --help)
        sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) bundle=$1 ;;
    esac
    shift
done
bundle=${bundle:-$top/dist/botox-kiosk}

# --- checks, before anything changes -------------------------------------------------------
[ "$(id -u)" -ne 0 ] || die "run this as the kiosk user, not as root (it uses sudo where needed; cage refuses to run as root)"
kiosk_user=$(id -un)
for tool in sudo systemctl loginctl apt-get dpkg-query; do
    command -v "$tool" >/dev/null || die "'$tool' not found: this script is for Debian or Ubuntu with systemd"
done
systemctl --user show-environment >/dev/null 2>&1 ||
    die "no systemd user manager for $kiosk_user: log in as $kiosk_user on the console or over SSH (not with su or sudo -u) and run this again"
[ -x "$bundle/botox-kiosk" ] || die "no bundle at $bundle: give the folder copied from dist/botox-kiosk"
[ -z "$config_src" ] || [ -f "$config_src" ] || die "no config file at $config_src"

# --- packages ------------------------------------------------------------------------------
# The bundle brings Qt; cage, Xwayland (cage 0.1.4 will not start without it, though Debian's
# package does not depend on it) and Qt's Wayland client libraries come from the system.
packages=(libcups2 procps)
if [ "$variant" = cage ]; then
    packages+=(cage xwayland libwayland-client0 libwayland-cursor0)
else
    packages+=(x11-xserver-utils)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    sudo apt-get install -y "${missing[@]}"
fi

# --- config --------------------------------------------------------------------------------
config_dir=$HOME/.config/botox-kiosk
config=$config_dir/kiosk.toml
mkdir -p "$config_dir"
pin_hint() {
    note "no staff PIN yet? set one with: $bundle/botox-kiosk set-staff-pin --config $config"
}
if [ -n "$config_src" ]; then
    # Checked beside the old one (relative paths in it resolve from this folder), and only
    # then put in its place: a broken config never replaces a working one.
    install -m 600 "$config_src" "$config.new" # it may hold the mail password
    say "checking $config_src (as $config.new)"
    if ! "$bundle/botox-kiosk" check-config "$config.new"; then
        rm -f "$config.new"
        pin_hint
        die "the config has the problems listed above: fix it and run this again (the installed kiosk was not touched)"
    fi
    if [ -f "$config" ] && ! cmp -s "$config.new" "$config"; then
        cp -p "$config" "$config.bak"
        note "previous config kept as $config.bak"
    fi
    mv "$config.new" "$config"
    say "config installed: $config"
elif [ ! -f "$config" ]; then
    [ -f "$top/docs/kiosk.example.toml" ] || die "no config at $config: give one with --config FILE"
    install -m 600 "$top/docs/kiosk.example.toml" "$config"
    say "config created from the example: $config"
    note "set your clinic's name, phone and emergency number in it, then run this script again"
    exit 1
else
    say "checking $config"
    if ! "$bundle/botox-kiosk" check-config "$config"; then
        pin_hint
        die "the config has the problems listed above: fix $config and run this again (the installed kiosk was not touched)"
    fi
fi

# --- the bundle, in /opt, owned by root ----------------------------------------------------
if [ "$(cd "$bundle" && pwd -P)" = "$(readlink -f "$PREFIX" 2>/dev/null || true)" ]; then
    say "bundle already in $PREFIX"
elif [ -d "$PREFIX" ] && diff -rq "$bundle" "$PREFIX" >/dev/null 2>&1; then
    say "bundle in $PREFIX is up to date"
else
    say "copying the bundle to $PREFIX"
    sudo rm -rf "$PREFIX.new" "$PREFIX.old"
    sudo cp -R "$bundle" "$PREFIX.new"
    sudo chown -R root:root "$PREFIX.new"
    sudo chmod -R u+rwX,go+rX,go-w "$PREFIX.new"
    if [ -e "$PREFIX" ]; then sudo mv "$PREFIX" "$PREFIX.old"; fi
    sudo mv "$PREFIX.new" "$PREFIX"
    sudo rm -rf "$PREFIX.old"
fi

# --- printing: CUPS keeps no copies, and one failed job does not stop the queue -----------
# CUPS keeps every printed document in its spool for a day by default (PreserveJobFiles):
# a copy of each patient's summary, name and health answers included. And a queue whose
# error policy is stop-printer stops at the first failed job (a jam, the printer off) until
# someone restarts it; retry-job tries the job again and keeps the queue going.
kiosk=$PREFIX/botox-kiosk
if "$kiosk" doctor --config "$config" 2>/dev/null | grep -q 'no print server to check'; then
    note "printing goes to a PDF folder or is off: no CUPS queue to set up"
elif ! command -v cupsctl >/dev/null || ! command -v lpadmin >/dev/null; then
    note "CUPS is not installed (apt-get install cups): set up the kiosk's printer, then run this again"
else
    if ! sudo cupsctl | grep -qx 'PreserveJobFiles=No'; then
        say "CUPS: keep no copy of printed jobs (PreserveJobFiles No; CUPS restarts)"
        sudo cupsctl PreserveJobFiles=No
    fi
    # The queue the kiosk prints to: the config's [print] printer, or CUPS's default.
    queue=$("$kiosk" printer-status --config "$config" | sed -n 's/^{"printer": "\([^"]*\)".*/\1/p')
    if [ -n "$queue" ] && lpstat -p "$queue" >/dev/null 2>&1; then
        say "CUPS: queue $queue retries a failed job instead of stopping (printer-error-policy=retry-job)"
        sudo lpadmin -p "$queue" -o printer-error-policy=retry-job
    else
        note "no CUPS queue ${queue:+named $queue }yet: add the printer, then run this again"
        note "(or: sudo lpadmin -p NAME -o printer-error-policy=retry-job)"
    fi
    say "checking the print setup"
    "$kiosk" doctor --config "$config" || note "doctor: fix what it lists above (the kiosk still starts)"
fi

# --- the service ---------------------------------------------------------------------------
unit_src=$here/botox-kiosk.service
[ "$variant" = cage ] || unit_src=$here/botox-kiosk-x11.service
unit_dst=$HOME/.config/systemd/user/$UNIT
mkdir -p "$(dirname "$unit_dst")"
if [ -f "$unit_dst" ] && ! cmp -s "$unit_src" "$unit_dst"; then
    # Stop it with the unit it was started with (the cage unit's own way of stopping).
    systemctl --user stop "$UNIT" 2>/dev/null || true
fi
install -m 644 "$unit_src" "$unit_dst"
say "service installed: ~/.config/systemd/user/$UNIT ($variant)"

# Lingering: the user's systemd starts at boot and keeps running without an open login.
if [ "$(loginctl show-user "$kiosk_user" -p Linger --value 2>/dev/null || true)" != yes ]; then
    say "enabling lingering for $kiosk_user"
    sudo loginctl enable-linger "$kiosk_user"
fi

# --- automatic login -----------------------------------------------------------------------
if [ "$variant" = cage ]; then
    # cage needs an active login of this user on the local seat: it takes over that session's
    # screen and input. A console autologin on tty1 gives it one at every boot.
    dropin=/etc/systemd/system/getty@tty1.service.d/botox-kiosk-autologin.conf
    if [ "$autologin" = yes ]; then
        say "autologin of $kiosk_user on tty1 ($dropin)"
        sudo mkdir -p "$(dirname "$dropin")"
        printf '%s\n' '[Service]' 'ExecStart=' \
            "ExecStart=-/sbin/agetty -o '-p -f -- \\\\u' --noclear --autologin $kiosk_user - \$TERM" |
            sudo tee "$dropin" >/dev/null
        sudo systemctl daemon-reload
    elif [ ! -f "$dropin" ]; then
        note "cage needs $kiosk_user logged in on the console at boot: run again with --autologin,"
        note "or set up an autologin on tty1 yourself (and no graphical login manager on it)"
    fi
else
    lightdm_dropin=/etc/lightdm/lightdm.conf.d/50-botox-kiosk-autologin.conf
    if [ "$autologin" = yes ] && [ -d /etc/lightdm ]; then
        say "LightDM autologin of $kiosk_user ($lightdm_dropin)"
        sudo mkdir -p "$(dirname "$lightdm_dropin")"
        printf '%s\n' '[Seat:*]' "autologin-user=$kiosk_user" 'autologin-user-timeout=0' |
            sudo tee "$lightdm_dropin" >/dev/null
    elif [ ! -f "$lightdm_dropin" ]; then
        note "the X11 variant needs an X session of $kiosk_user on :0 at boot: set your display"
        note "manager to log $kiosk_user in automatically (LightDM: run again with --autologin)"
    fi
fi

# --- start ---------------------------------------------------------------------------------
systemctl --user daemon-reload
systemctl --user enable "$UNIT" >/dev/null
# --no-block: a kiosk that cannot start yet (no screen session) is not an install failure.
systemctl --user restart --no-block "$UNIT"
say "botox-kiosk enabled and (re)started"
note "logs:     journalctl --user -u botox-kiosk -f"
note "stop:     systemctl --user stop botox-kiosk   (start: systemctl --user start botox-kiosk)"
note "Until $kiosk_user is logged in on the screen, the service retries every 2 s: that is expected."
