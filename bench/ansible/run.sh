#!/usr/bin/env bash
# Runs bench/ansible/modules.yml with Debian's ansible (its ovirt.ovirt collection) against an
# engine. ovirtsdk4 must be importable: give its directory as SDK_LIB (see README, Benchmarks).
# Usage: SDK_LIB=/tmp/ovirt-clients/lib bench/ansible/run.sh https://localhost:8443 PASSWORD CA_FILE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
# ovirt.ovirt calls inspect.getargspec, which Python 3.11 no longer has.
printf 'import inspect\ninspect.getargspec = inspect.getfullargspec\n' > "$site/sitecustomize.py"
PYTHONPATH="$SDK_LIB:$site" ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_LOCALHOST_WARNING=false \
  ansible-playbook -i localhost, "$here/modules.yml" -e "engine_url=$1 engine_password=$2 engine_ca=$3"
