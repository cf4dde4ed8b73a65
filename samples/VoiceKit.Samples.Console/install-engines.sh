#!/usr/bin/env bash
# Installs the Debian packages of VoiceKit's offline engines (PocketSphinx + its US English model, Flite; eSpeak NG on
# request). The demo runs this when a library is missing; run it yourself to install ahead of time:
#   bash samples/VoiceKit.Samples.Console/install-engines.sh [package ...]
set -euo pipefail

packages=("$@")
if [ ${#packages[@]} -eq 0 ]; then
  packages=(libpocketsphinx3 pocketsphinx-en-us libflite1)
fi

if ! command -v apt-get >/dev/null; then
  echo "install-engines: apt-get not found; install ${packages[*]} with your system's package manager." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "install-engines: not root and no sudo; run as root: apt-get install ${packages[*]}" >&2
    exit 1
  fi
  SUDO="sudo"
fi

echo "install-engines: apt-get install ${packages[*]}"
# A broken third-party source should not stop the install: the packages may be in the sources that still work.
$SUDO apt-get update -qq || echo "install-engines: apt-get update failed; trying the install anyway" >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
