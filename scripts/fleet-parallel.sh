#!/usr/bin/env bash
# Runs every job of a `mkpatch batch` work list on a fleet of ssh hosts with GNU parallel, then
# merges the finished jobs into OUTDIR/patches with `mkpatch index`. This is the recipe of
# docs/batch.md, and what Tests/CLITests/Fleet/FleetBatchTests runs on three local sshd hosts.
#
# Usage: scripts/fleet-parallel.sh SSHLOGINFILE WORKLIST OUTDIR JOBLOG
#   SSHLOGINFILE  GNU parallel's host list, one `SLOTS/HOST` a line (`1/node1`); the ssh command
#                 comes from $PARALLEL_SSH (say `ssh -F /etc/mkpatch/ssh_config`), not from the
#                 list: one with spaces there breaks the job log for --resume-failed
#   WORKLIST      written by `mkpatch batch DISTDIR -o OUTDIR --work-list WORKLIST`, at a path
#                 every host can read, as are the distfiles it names
#   OUTDIR        shared by every host (one group, setgid, group-writable: the jobs' umask 002
#                 keeps what they create writable by the other hosts' users)
#   JOBLOG        GNU parallel's job log; running the script again with it reruns only the jobs
#                 that failed or never ran (a host killed mid-job, say)
# MKPATCH names the mkpatch binary on the hosts (default: mkpatch, on their PATH).
#
# Exit status: 0 when every job succeeded; otherwise GNU parallel's (the number of failed
# jobs), after `mkpatch index` has listed the jobs that did finish. A job killed midway leaves
# no .jobs/*.line file, so nothing of it is listed.
set -euo pipefail
[ $# -eq 4 ] || { sed -n '2,20p' "$0" >&2; exit 2; }
sshloginfile=$1 worklist=$2 outdir=$3 joblog=$4
mkpatch=${MKPATCH:-mkpatch}

status=0
grep -v -e '^#' -e '^$' "$worklist" | cut -f1 |
  parallel --will-cite --sshloginfile "$sshloginfile" --joblog "$joblog" --resume-failed \
    "umask 002 && exec $(printf %q "$mkpatch") batch --run-job {} --work-list $(printf %q "$worklist") -o $(printf %q "$outdir")" ||
  status=$?
"$mkpatch" index "$outdir"
exit "$status"
