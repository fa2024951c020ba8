#!/bin/bash
# Starts one host agent by hand (or as a container scheduler's command): the head prints the line to run, and the
# secret comes from the environment, never from the command line.
#
#   TRACTOR_SECRET=$(cat ~/.tractor-secret) examples/slurm/agents-by-hand.sh head.example.org:7000
set -euo pipefail
: "${TRACTOR_SECRET:?set TRACTOR_SECRET to the run's secret (64 hexadecimal digits)}"
exec pool-worker serve --connect "$1" --connect-timeout 2m
