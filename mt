#!/usr/bin/env bash
# microthreads launcher: finds Java >= 25, passes the JVM flags the library needs.
#   ./mt demo          build what is needed, then run the guided tour
#   ./mt wizard [swing|javafx]  the UI loops' demo: a wizard that simply waits for the user (needs a display)
#   ./mt serve [port]  the server example: unchanged HttpServer code on I/O loops (docs/servers.md)
#   ./mt test          the whole test suite (with the internal-JDK flags)
#   ./mt test-noflags  the flag-free subset, run WITHOUT the flags (proves the fallbacks/errors)
#   ./mt bench [args]  JMH benchmarks (see bench/README.md); never part of the tests
#   ./mt java          print the Java home this launcher uses
set -euo pipefail
cd "$(dirname "$0")"

MT_FLAGS=(--add-opens java.base/java.lang=ALL-UNNAMED --add-exports java.base/jdk.internal.vm=ALL-UNNAMED)

java_major() { # prints the feature version of the java binary in $1, or 0
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -1)
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

find_java() {
  local c
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" && $(java_major "$JAVA_HOME/bin/java") -ge 25 ]]; then
    echo "$JAVA_HOME"; return
  fi
  for c in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/*; do
    if [[ -x "$c/bin/java" && -x "$c/bin/javac" && $(java_major "$c/bin/java") -ge 25 ]]; then
      echo "$c"; return
    fi
  done
  if command -v java >/dev/null && [[ $(java_major "$(command -v java)") -ge 25 ]]; then
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"; return
  fi
  echo "microthreads needs a JDK 25 or newer, and none was found (JAVA_HOME, /usr/lib/jvm, PATH)." >&2
  echo "Install one, e.g. 'apt-get install temurin-25-jdk' (Adoptium repository) or any OpenJDK 25 build," >&2
  echo "then re-run, or point JAVA_HOME at it." >&2
  exit 1
}

JAVA_HOME=$(find_java); export JAVA_HOME
# jansi.noreset: Maven 3.8's jansi otherwise prints ESC[0m even with -Dstyle.color=never.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow -Djansi.noreset=true"
MVN=(mvn -B -ntp -Dstyle.color=never)

# Progress from Maven's output: one line per module, its steps, a dot per test class.
PROGRESS_AWK='
function end_line() { if (open) { printf "\n"; open = 0 } fflush() }
/^\[INFO\] Building [^ ]+ [0-9][^ ]*( |$)/ {
  end_line(); name = $3; pos = ""
  if (match($0, /\[[0-9]+\/[0-9]+\]$/)) pos = " " substr($0, RSTART, RLENGTH)
  printf "[mt] %s%s:", name, pos; open = 1; fflush(); next
}
/^\[INFO\] --- / {
  n = split($3, p, ":"); plugin = p[1]; goal = p[n]; id = $4; gsub(/[()]/, "", id); label = ""
  if (plugin ~ /compiler/) label = (goal == "compile" ? "compile" : "test-compile")
  else if (plugin ~ /kotlin/) label = "kotlin"
  else if (plugin ~ /surefire/) label = (id == "default-test" ? "tests" : "tests(" id ")")
  else if (plugin ~ /javadoc/) label = "javadoc"
  else if (plugin ~ /maven-source/) label = "sources"
  else if (plugin ~ /maven-jar/) label = "jar"
  else if (plugin ~ /shade/) label = "shade"
  else if (plugin ~ /install/) label = "install"
  else if (plugin ~ /deploy/) label = "deploy"
  if (label != "") { printf " %s", label; fflush() }
  next
}
/^\[INFO\] Running / { printf "."; fflush(); next }
/^\[[A-Z]+\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$/ {
  t = $4; f = $6 + $8; sub(/,/, "", t)
  printf " %d run%s", t, (f > 0 ? ", " f " FAILED" : ""); fflush(); next
}
/^\[INFO\] Tests are skipped/ { printf " skipped"; fflush(); next }
/^\[INFO\] Skipping javadoc generation, everything is up to date/ { printf " (up to date)"; fflush(); next }
/^\[INFO\] Skipping (javadoc|source)/ { printf " (skipped)"; fflush(); next }
/^\[INFO\] BUILD (SUCCESS|FAILURE)/ { end_line() }
END { end_line() }'

# Per-module and total counts from the surefire reports written since the stamp file.
SUMMARY_AWK='
function attr(a) { return match($0, " " a "=\"[^\"]*\"") ? substr($0, RSTART + length(a) + 3, RLENGTH - length(a) - 4) : 0 }
FNR == 1 { m = FILENAME; sub(/\/target\/.*/, "", m); if (!(m in seen)) { seen[m] = 1; order[++n] = m } }
/<testsuite / && !done[FILENAME]++ {
  tm = attr("time"); gsub(/,/, "", tm)
  T[m] += attr("tests"); F[m] += attr("failures") + attr("errors"); S[m] += attr("skipped"); TM[m] += tm
}
END {
  for (i = 1; i <= n; i++) {
    m = order[i]; t += T[m]; f += F[m]; s += S[m]
    printf "[mt]   %-10s %d passed, %d failed, %d skipped (%d run, tests took %.1f s)\n", m ":", T[m] - F[m] - S[m], F[m], S[m], T[m], TM[m]
  }
  printf "%s\n", info
  printf "tests: %d passed, %d failed, %d skipped\n", t - f - s, f, s
}'

# What made Maven fail, from its log: the failing step's warnings and errors (test failures with
# their stack traces, compiler or javadoc messages), then Maven's error lines.
FAILURE_AWK='
{ line[NR] = $0 }
/^\[INFO\] --- / { head = NR }
/^\[INFO\] BUILD FAILURE/ && !bf { bf = NR; h = head }
END {
  if (!bf) { for (i = (NR > 40 ? NR - 40 : 1); i <= NR; i++) print line[i]; exit }
  shown = 0
  for (i = (h ? h : 1); i < bf; i++) {
    if (i != h && line[i] ~ /^\[INFO\]/) continue
    if (++shown > max) { rest++; continue }
    print line[i]
  }
  if (rest) printf "[mt] ... %d more lines of this step in %s\n", rest, logfile
  for (i = bf; i <= NR; i++) {
    if (line[i] ~ /^\[ERROR\] ./ && line[i] !~ /(-e switch|-X switch|For more information|^\[ERROR\] \[Help [0-9]|After correcting|mvn <args>)/) print line[i]
    if (line[i] ~ /Project contains Javadoc Warnings/) hint = 1
  }
  if (hint) print "[mt] -Dmt.javadoc.failOnWarnings=false reports javadoc warnings without failing (see core/pom.xml)"
}'

# run_maven LABEL ARGS...: Maven with its whole output in target/mt-LABEL.log; progress, a summary
# of the surefire reports, and on failure what failed, on the console.
run_maven() {
  local label=$1; shift
  local log=target/mt-$label.log stamp=target/mt-$label.start t0=$SECONDS rc reports failed f
  mkdir -p target; : > "$stamp"
  echo "[mt] mvn $*    (full log: $log)"
  set +e
  "${MVN[@]}" "$@" 2>&1 | tee "$log" | awk "$PROGRESS_AWK"
  rc=${PIPESTATUS[0]}
  set -e
  reports=$(find */target/surefire-reports -maxdepth 1 -name 'TEST-*.xml' -newer "$stamp" 2>/dev/null | sort || true)
  failed=$([[ -z "$reports" ]] || grep -l -E '<testsuite [^>]*(failures|errors)="[1-9]' $reports || true)
  if [[ $rc -ne 0 ]]; then
    if [[ "${CI:-}" == "true" ]]; then
      echo "[mt] ==== full Maven log ($log) ===="
      cat "$log"
      for f in $failed; do
        f=${f%.xml}-output.txt; f=${f/\/TEST-/\/}
        [[ -f "$f" ]] && { echo "[mt] ==== output of the failing test class: $f (last 300 lines) ===="; tail -n 300 "$f"; }
      done
      echo "[mt] ==== end of the full log ===="
    fi
    echo "[mt] FAILED: what Maven reported (full log: $log)"
    awk -v max=500 -v logfile="$log" "$FAILURE_AWK" "$log"
    for f in $failed; do
      echo "[mt] failing test class: $(basename "${f%.xml}" | sed 's/^TEST-//'); report $f; its output ${f%/TEST-*}/$(basename "${f%.xml}" | sed 's/^TEST-//')-output.txt"
    done
  fi
  local info
  info="[mt] $([[ $rc -eq 0 ]] && echo "BUILD SUCCESS" || echo "BUILD FAILED (exit $rc)") in $(( (SECONDS - t0) / 60 ))m $(( (SECONDS - t0) % 60 ))s; full log: $log; what each test class printed: <module>/target/surefire-reports/<class>-output.txt"
  # the summary also in target/mt-LABEL.summary (.ci/run adds the runs up)
  if [[ -n "$reports" ]]; then
    awk -v info="$info" "$SUMMARY_AWK" $reports
  else
    echo "$info"
    echo "[mt] no tests ran"
  fi | tee "target/mt-$label.summary"
  return "$rc"
}

cmd=${1:-help}; shift || true
case "$cmd" in
  demo)
    "${MVN[@]}" -q -DskipTests -pl examples -am package
    cp=$(cat examples/target/classpath.txt):examples/target/classes
    exec "$JAVA_HOME/bin/java" "${MT_FLAGS[@]}" -cp "$cp" org.microthreads.examples.Tour "$@"
    ;;
  serve)
    # The server example (docs/servers.md): a blocking HttpServer app, unchanged, on I/O loops.
    "${MVN[@]}" -q -DskipTests -pl examples -am package
    cp=$(cat examples/target/classpath.txt):examples/target/classes
    exec "$JAVA_HOME/bin/java" "${MT_FLAGS[@]}" -cp "$cp" org.microthreads.examples.server.Shop "$@"
    ;;
  wizard)
    # The UI loops' demo: a sequential wizard on the Swing EDT or the JavaFX thread (docs/ui.md).
    case "${1:-swing}" in
      swing) mod=swing; main=org.microthreads.swing.demo.SwingWizard ;;
      javafx) mod=javafx; main=org.microthreads.javafx.demo.FxWizard ;;
      *) echo "usage: ./mt wizard [swing|javafx]" >&2; exit 2 ;;
    esac
    "${MVN[@]}" -q -DskipTests -pl "$mod" -am test-compile
    cp="$mod/target/test-classes:$mod/target/classes:core/target/classes:$(cat "$mod/target/classpath.txt")"
    exec "$JAVA_HOME/bin/java" "${MT_FLAGS[@]}" --enable-native-access=ALL-UNNAMED -cp "$cp" "$main"
    ;;
  test)
    # The Swing window tests need a display: without one, run Maven under Xvfb (apt-get install xvfb);
    # with neither they are skipped, saying so.
    if [[ -z "${DISPLAY:-}" ]]; then
      if command -v xvfb-run >/dev/null; then
        MVN=(xvfb-run -a -s "-screen 0 1280x1024x24" "${MVN[@]}")
        echo "[mt] no DISPLAY: the tests run under xvfb-run (the Swing window tests need a display)"
      else
        echo "[mt] no DISPLAY and no xvfb-run: the Swing window tests will be skipped (apt-get install xvfb)"
      fi
    fi
    run_maven test verify "$@"
    # The HTTP harness's smoke (issue 17): the JDK's server and ours answer its endpoints right and
    # carry 2 s of open-loop load (~30 s). Only for the whole suite: it needs bench-http built.
    if [[ $# -eq 0 ]]; then
      echo "[mt] bench/http-run --smoke (the HTTP server harness, ~30 s)"
      bench/http-run --smoke --no-build > target/http-smoke.log 2>&1 \
        || { tail -20 target/http-smoke.log; echo "[mt] FAILED: the HTTP harness smoke (log: target/http-smoke.log)"; exit 1; }
      grep '^SMOKE' target/http-smoke.log | sed 's/^/[mt] /'
    fi
    ;;
  test-noflags)
    # The flag-free paths: tests tagged "noflags", run without --add-opens/--add-exports.
    # No javadoc nor sources jar here: `./mt test` builds them.
    run_maven test-noflags verify -pl core -Dmt.test.flags=-Dmicrothreads.test.noflags=true -Dmt.test.groups=noflags \
      -Dmaven.javadoc.skip=true -Dmaven.source.skip=true "$@"
    ;;
  bench)
    exec bench/run "$@"
    ;;
  java)
    echo "$JAVA_HOME"
    ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    [[ "$cmd" == help ]] || exit 2
    ;;
esac
