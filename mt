#!/usr/bin/env bash
# microthreads launcher: finds Java >= 25, passes the JVM flags the library needs.
#   ./mt demo          build what is needed, then run the guided tour
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
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
MVN=(mvn -q -B -Dstyle.color=never)
[[ "${CI:-}" == "true" ]] && MVN=(mvn -B -Dstyle.color=never -ntp)

cmd=${1:-help}; shift || true
case "$cmd" in
  demo)
    "${MVN[@]}" -DskipTests -pl examples -am package
    cp=$(cat examples/target/classpath.txt):examples/target/classes
    exec "$JAVA_HOME/bin/java" "${MT_FLAGS[@]}" -cp "$cp" org.microthreads.examples.Tour "$@"
    ;;
  test)
    exec "${MVN[@]}" verify "$@"
    ;;
  test-noflags)
    # The flag-free paths: tests tagged "noflags", run without --add-opens/--add-exports.
    exec "${MVN[@]}" verify -pl core -Dmt.test.flags=-Dmicrothreads.test.noflags=true -Dmt.test.groups=noflags "$@"
    ;;
  bench)
    exec bench/run "$@"
    ;;
  java)
    echo "$JAVA_HOME"
    ;;
  *)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    [[ "$cmd" == help ]] || exit 2
    ;;
esac
