#!/bin/sh
# Adds an edge agent's MQTT credentials and ACL block.
# usage: add-agent.sh <factoryId> <agentId> [passwd-file] [acl-file] < password-file   (never on a command line)
set -eu
factory="$1"; agent="$2"
passwd="${3:-/etc/mosquitto/xiang.passwd}"; acl="${4:-/etc/mosquitto/xiang.acl}"
case "$factory$agent" in *[!A-Za-z0-9_-]*) echo "ids may only contain A-Z a-z 0-9 _ -" >&2; exit 2;; esac
user="$factory.$agent"
printf 'password for %s: ' "$user" >&2
read -r password
[ -f "$passwd" ] || touch "$passwd"
# Not `mosquitto_passwd -b … "$password"`: arguments are visible to every user of the host (ps, /proc).
# mosquitto_passwd reads the password (twice) from stdin; printf is a shell builtin, so it never has a command line.
printf '%s\n%s\n' "$password" "$password" | mosquitto_passwd "$passwd" "$user" >/dev/null
{
  echo ""
  echo "user $user"
  for kind in birth data status death; do echo "topic write xiang/v1/$factory/$agent/$kind"; done
  echo "topic read xiang/v1/$factory/$agent/cmd"
} >> "$acl"
echo "added $user; reload mosquitto (kill -HUP) to apply" >&2
