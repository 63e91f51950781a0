#!/usr/bin/env bash
# Runs each (program, variant, scheduler) Fray test method in its own Maven invocation and
# appends one TSV row per run to results/results.tsv. Usage:
#   ./run_matrix.sh [repeats-for-buggy] [programs...]
# Env: SCHEDS (default "random pos pct fest"), VARIANTS (default "buggy fixed").
set -u
cd "$(dirname "$0")"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
SHIM="$PWD/jdk25-shim"
# the shim's java is the real one (not committed: a link to this machine's JDK)
[ -e "$SHIM/bin/java" ] || ln -s "$JAVA_HOME/bin/java" "$SHIM/bin/java"
REPEATS=${1:-3}; shift || true
PROGS=${*:-CheckThenAct LostWakeup MissedCancellation CloseRacingPut}
SCHEDS=${SCHEDS:-random pos pct fest}
VARIANTS=${VARIANTS:-buggy fixed}
mkdir -p results/logs
OUT=results/results.tsv
[ -f "$OUT" ] || printf 'utc\tprogram\tvariant\tscheduler\trun\toutcome\titers\tfray_elapsed_ms\tstep\ttotal_run_ms\tmvn_wall_s\terror\n' > "$OUT"
for p in $PROGS; do for v in $VARIANTS; do for s in $SCHEDS; do
  n=$REPEATS; [ "$v" = fixed ] && n=1
  for r in $(seq 1 "$n"); do
    log="results/logs/${p}_${v}_${s}_$(date -u +%Y%m%dT%H%M%S).log"
    t0=$(date +%s.%N)
    mvn -B -o test -Dtest="${p}FrayTest#${v}_${s}" -Dplugin.jdkPath="$SHIM" -Dsurefire.failIfNoSpecifiedTests=false > "$log" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    wall=$(echo "$t1 - $t0" | bc)
    err=$(grep -m1 -A1 'Error found at iter' "$log" >/dev/null && grep -m1 '\[INFO\]: Error:' "$log" | sed 's/.*\[INFO\]: Error: //' | cut -c1-80)
    line=$(grep -m1 'Error found at iter' "$log")
    fin=$(grep -m1 'Run finished' "$log")
    total_ms=$(echo "$fin" | sed -n 's/.*Elapsed time: \([0-9]*\)ms.*/\1/p')
    if [ -n "$line" ]; then
      it=$(echo "$line" | sed -n 's/.*iter: \([0-9]*\),.*/\1/p'); it=$((it+1))
      step=$(echo "$line" | sed -n 's/.*step: \([0-9]*\),.*/\1/p')
      ms=$(echo "$line" | sed -n 's/.*Elapsed time: \([0-9]*\)ms.*/\1/p')
      outcome=BUG_FOUND
    else
      it=$(echo "$fin" | sed -n 's/.*Total iter: \([0-9]*\),.*/\1/p'); step=; ms=
      if [ $rc -eq 0 ] && [ -n "$fin" ]; then outcome=PASS; else outcome="NO_RESULT(rc=$rc)"; fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\n' "$(date -u +%FT%TZ)" "$p" "$v" "$s" "$r" "$outcome" "$it" "$ms" "$step" "$total_ms" "$wall" "$err" | tee -a "$OUT"
  done
done; done; done
