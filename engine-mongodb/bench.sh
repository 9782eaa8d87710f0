#!/usr/bin/env bash
# Benchmark of the mongodb engine against a naive one-document-at-a-time copy (ReplaceBenchmark's Javadoc).
# Usage: engine-mongodb/bench.sh [customers [rounds]]   (from the repository root; builds the module first)
# The server runs in the benchmark's JVM and holds the source and one copy at a time: 2 GiB of heap keep it out of
# back-to-back garbage collections (with 1 GiB the second copy ran near a full heap), for both copies alike.
set -euo pipefail
cd "$(dirname "$0")/.."
# One reactor invocation: the sibling modules resolve to their target/classes (nothing is installed in ~/.m2).
# The dependency plugin's version is pinned (unpinned, Maven picks 2.8 for the root pom, which does not resolve);
# offline first, then online as ./dbrefresh builds, for a fresh ~/.m2 that lacks the plugin's own dependencies.
build=(-B -ntp -q -pl engine-mongodb -am test-compile
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.includeScope=test
  -Dmdep.outputFile=target/bench.classpath)
mvn -o "${build[@]}" > /dev/null 2>&1 || mvn "${build[@]}"
cd engine-mongodb
exec java -Xmx2g -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" dev.dbrefresh.engine.mongodb.ReplaceBenchmark "$@"
