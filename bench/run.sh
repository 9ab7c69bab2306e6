#!/usr/bin/env bash
# The side-by-side benchmark: persist against Apache Paimon and Flink's FileSink, on one workload.
#
#   bench/run.sh [options]          build, then: reference state, R repetitions of (ingest, read) per
#                                   system in a rotated order, each step in a fresh JVM; then the report
#   bench/run.sh jmh [JMH options]  build, then the engine's JMH benchmarks (e.g. "jmh -f 1 Encode")
#   bench/run.sh pushdown [options] build, then SQL reads of one table with and without push-down:
#                                   the table written once, then R repetitions of each query group's
#                                   two variants, each in a fresh JVM; then the report
#   bench/run.sh lookup [options]   build, then a dimension table written once into persist and
#                                   Paimon, then R repetitions of a lookup join of probe keys
#                                   against it per system and skew, each in a fresh JVM; the report
#
# Options (defaults in brackets):
#   --updates N [10000000]  --keys K [1000000]  --key-size B [16]  --value-size B [16]
#   --retractions F [0.2]   --skew uniform|zipf [uniform]  --zipf-exponent S [1.0]
#   --out-of-orderness T [1000]  --seed X [42]
#   --parallelism P [2]  --checkpoint-interval MS [2000]  --buffer-size BYTES [sink default]
#   --repetitions R [3]  --heap SIZE [4g]  --systems "persist paimon files"
#   --results DIR [bench/results]  --work DIR [bench/target/work]  --skip-build
#
# Options of pushdown (defaults in brackets):
#   --updates N [10000000]  --repetitions R [3]  --points Q [20]  --seed X [42]  --parallelism P [2]
#   --heap SIZE [4g]  --results DIR [bench/results-pushdown]  --work DIR [bench/target/work-pushdown]
#   --skip-build
#
# Options of lookup (defaults in brackets):
#   --keys K [1000000]  --probes N [1000000]  --probes-nocache N [20000]  --misses F [0.1]
#   --seed X [42]  --repetitions R [3]
#   --systems "persist-nocache persist persist-partial persist-full paimon"  --heap SIZE [4g]
#   --results DIR [bench/results-lookup]  --work DIR [bench/target/work-lookup]  --skip-build
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
flink_version=2.1.1   # Paimon's Flink connector (paimon-flink-2.1) runs on Flink 2.1

mode=harness
if [[ "${1:-}" == "jmh" || "${1:-}" == "pushdown" || "${1:-}" == "lookup" ]]; then
    mode="$1"
    shift
fi

repetitions=3
heap=4g
results="$here/results"
work="$here/target/work"
systems="persist paimon files"
build=1
pass=()
if [[ $mode == harness ]]; then
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --repetitions) repetitions="$2"; shift 2 ;;
            --heap) heap="$2"; shift 2 ;;
            --results) results="$2"; shift 2 ;;
            --work) work="$2"; shift 2 ;;
            --systems) systems="$2"; shift 2 ;;
            --skip-build) build=0; shift ;;
            --updates|--keys|--key-size|--value-size|--retractions|--skew|--zipf-exponent|--out-of-orderness|--seed|--parallelism|--checkpoint-interval|--buffer-size)
                pass+=("$1" "$2"); shift 2 ;;
            *) echo "Unknown option $1 (see the head of $0)" >&2; exit 2 ;;
        esac
    done
elif [[ $mode == pushdown ]]; then
    results="$here/results-pushdown"
    work="$here/target/work-pushdown"
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --repetitions) repetitions="$2"; shift 2 ;;
            --heap) heap="$2"; shift 2 ;;
            --results) results="$2"; shift 2 ;;
            --work) work="$2"; shift 2 ;;
            --skip-build) build=0; shift ;;
            --updates|--points|--seed|--parallelism)
                pass+=("$1" "$2"); shift 2 ;;
            *) echo "Unknown option $1 (see the head of $0)" >&2; exit 2 ;;
        esac
    done
elif [[ $mode == lookup ]]; then
    results="$here/results-lookup"
    work="$here/target/work-lookup"
    systems="persist-nocache persist persist-partial persist-full paimon"
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --repetitions) repetitions="$2"; shift 2 ;;
            --heap) heap="$2"; shift 2 ;;
            --results) results="$2"; shift 2 ;;
            --work) work="$2"; shift 2 ;;
            --systems) systems="$2"; shift 2 ;;
            --skip-build) build=0; shift ;;
            --keys|--probes|--probes-nocache|--misses|--seed)
                pass+=("$1" "$2"); shift 2 ;;
            *) echo "Unknown option $1 (see the head of $0)" >&2; exit 2 ;;
        esac
    done
fi

if [[ $build == 1 ]]; then
    echo "Building the bench module (Flink $flink_version)..."
    (cd "$root" && mvn -B -q package -Pbench -pl bench -am -DskipTests -Dflink.version="$flink_version")
fi
# The project's own modules from this tree's build, never from a local repository.
cp="$here/target/classes"
for module in flink-persist-core flink-persist-sink flink-persist-source flink-persist-table; do
    cp="$cp:$root/$module/target/classes"
done
cp="$cp:$(tr ':' '\n' <"$here/target/classpath.txt" | grep -v '/io/flinkpersist/' | paste -sd: -)"

if [[ $mode == jmh ]]; then
    mkdir -p "$results"
    java -Xmx4g -cp "$cp" org.openjdk.jmh.Main -rf json -rff "$results/jmh.json" "$@" | sed "s#$root/##" | tee "$results/jmh.txt"
    exit 0
fi

mkdir -p "$results" "$work/logs"
rm -f "$work"/logs/*.log

step() {  # step NAME ARGS...: one harness step in a fresh JVM with its own temporary directory
    local name="$1"
    shift
    local tmp="$work/tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    if ! java "-Xmx$heap" "${gc:--XX:+UseG1GC}" "-Djava.io.tmpdir=$tmp" -Dlog4j2.configurationFile=log4j2.properties \
        -cp "$cp" io.flinkpersist.bench.harness.Harness "$@" --work "$work" --results "$results" "${pass[@]}" \
        >"$work/logs/$name.log" 2>&1; then
        echo "Step $name failed; its log:" >&2
        tail -50 "$work/logs/$name.log" >&2
        exit 1
    fi
    grep -E '^(reference|ingest|read|heap|pushdown|lookup)( [a-z-]+)*:' "$work/logs/$name.log" | cut -c1-400 || true
    rm -rf "$tmp"
}

if [[ $mode == pushdown ]]; then
    rm -f "$results/pushdown.csv" "$results/results.md"
    step write pushdown-write
    groups=(point range count projection)
    variants=(with without)
    for ((rep = 1; rep <= repetitions; rep++)); do
        for ((i = 0; i < ${#groups[@]}; i++)); do
            group="${groups[$(((i + rep - 1) % ${#groups[@]}))]}"
            for ((j = 0; j < 2; j++)); do
                variant="${variants[$(((j + rep - 1) % 2))]}"
                step "rep$rep-$group-$variant" pushdown-query --group "$group" --variant "$variant" \
                    --rep "$rep" --order "$((2 * i + j + 1))"
            done
        done
    done
    step report pushdown-report
    rm -rf "${work:?}/table"
    echo "Results: $results/results.md, pushdown.csv"
    exit 0
fi

if [[ $mode == lookup ]]; then
    rm -f "$results/lookup.csv" "$results/results.md"
    step write lookup-write
    read -r -a order <<<"$systems"
    n=${#order[@]}
    for ((rep = 1; rep <= repetitions; rep++)); do
        for skew in uniform zipf; do
            for ((i = 0; i < n; i++)); do
                system="${order[$(((i + rep - 1) % n))]}"
                step "rep$rep-$skew-$system" lookup-query --system "$system" --skew "$skew" --rep "$rep"
            done
        done
    done
    step report lookup-report
    rm -rf "${work:?}/persist" "${work:?}/paimon"
    echo "Results: $results/results.md, lookup.csv"
    exit 0
fi

rm -f "$results/runs.csv" "$results/checkpoints.csv" "$results/heap.csv" "$results/results.md" "$results/throughput.png" "$results/checkpoints.png"
step reference reference
# The serial collector's heap figures after a full GC are exact, which this measurement needs.
gc=-XX:+UseSerialGC step heap heap
read -r -a order <<<"$systems"
n=${#order[@]}
for ((rep = 1; rep <= repetitions; rep++)); do
    for ((i = 0; i < n; i++)); do
        system="${order[$(((i + rep - 1) % n))]}"
        step "rep$rep-$system-ingest" ingest --system "$system" --rep "$rep" --order "$((i + 1))"
        step "rep$rep-$system-read" read --system "$system" --rep "$rep" --order "$((i + 1))"
        rm -rf "${work:?}/$system"
    done
done
step report report
echo "Results: $results/results.md, runs.csv, checkpoints.csv, throughput.png, checkpoints.png"
