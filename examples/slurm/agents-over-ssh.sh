#!/bin/bash
# What the ssh launcher runs for each host (Tractor.withAgents(launchedBy: .ssh(hosts: [...]))), shown by hand: the
# secret goes down ssh's standard input, and the end of that input (the ssh client killed, the head gone) ends the
# agent and every actor beneath it.
#
#   examples/slurm/agents-over-ssh.sh node-2 head.example.org:7000 < ~/.tractor-secret
set -euo pipefail
exec ssh -o BatchMode=yes -T "$1" -- pool-worker serve --connect "$2" --secret-stdin --name "$1"
