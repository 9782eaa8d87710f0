#!/usr/bin/env bash
# Benchmark of the mongodb engine against a naive one-document-at-a-time copy (ReplaceBenchmark's Javadoc).
# Usage: engine-mongodb/bench.sh [customers]   (from the repository root; builds the module offline first)
set -euo pipefail
cd "$(dirname "$0")/.."
# one reactor invocation: the sibling modules resolve to their target/classes (nothing is installed in ~/.m2)
mvn -B -ntp -o -q -pl engine-mongodb -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cd engine-mongodb
exec java -Xmx1g -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" dev.dbrefresh.engine.mongodb.ReplaceBenchmark "$@"
