#!/usr/bin/env bash
# Start a real single-node SLURM on this machine, run the test config through
# --profile profiles/slurm, stop the daemons. Usage: .ci/slurm.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BASE=$(mktemp -d /tmp/slurm.XXXX)
WORK=${1:-$BASE/work}
mkdir -p "$BASE"/{state/ctld,state/d,run,log} "$WORK"

if ! command -v slurmctld >/dev/null; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null 2>&1
fi
CPUS=$(nproc)
MEM=$(( $(free -m | awk '/^Mem:/{print $2}') - 1024 ))
mkdir -p /etc/slurm
cat > "$BASE/slurm.conf" <<CONF
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
MinJobAge=600
ReturnToService=2
StateSaveLocation=$BASE/state/ctld
SlurmdSpoolDir=$BASE/state/d
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS Sockets=1 CoresPerSocket=$CPUS ThreadsPerCore=1 RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
# the job-step plugin strips SLURM_CONF, so the config must sit at the default path
ln -sf "$BASE/slurm.conf" /etc/slurm/slurm.conf

stop() {
  for f in "$BASE"/run/slurmd.pid "$BASE"/run/slurmctld.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  [ -n "${MUNGE_PID:-}" ] && kill "$MUNGE_PID" 2>/dev/null || true
  # a slurm.conf whose controller is gone makes every later Snakemake start wait ~10 s
  # (the SLURM executor plugin queries the cluster when it is imported)
  [ "$(readlink /etc/slurm/slurm.conf)" = "$BASE/slurm.conf" ] && rm -f /etc/slurm/slurm.conf
  true
}
trap stop EXIT

mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
runuser -u munge -- /usr/sbin/munged --force
MUNGE_PID=$(pgrep -n munged || true)
slurmctld
slurmd -N localhost
for _ in $(seq 60); do
  [ "$(sinfo -h -o %T 2>/dev/null | head -1)" = "idle" ] && break
  sleep 1
done
sinfo

# a hung executor ignores SIGTERM: bound the run with SIGKILL
timeout -s KILL 1500 "$REPO/.venv/bin/snakemake" -s "$REPO/Snakefile" -d "$WORK" \
  --configfile "$REPO/tests/config/test.yaml" --profile "$REPO/profiles/slurm" \
  --default-resources slurm_partition=debug runtime=10 mem_mb=500
test -s "$WORK/results/test/observations.csv"
test -s "$WORK/results/test/tables/holdout_ablation.csv"
echo "slurm: test config completed under SLURM in $WORK"
