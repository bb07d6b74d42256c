#!/usr/bin/env bash
# Downloads larger public cache traces into traces/downloads/ and converts them to formats
# cachelab reads (txt: one key per line; oracleGeneral: libCacheSim's binary records).
# Needs network access, curl, and per source: xz + od (cache2k), gzip (LIRS), zstd (S3 samples).
# Never run by the tests. Usage:
#   traces/download.sh --list          what can be fetched
#   traces/download.sh NAME...         fetch some (e.g. cache2k-web12 lirs-sprite msr-hm0)
#   traces/download.sh all-small       every trace below ~50 MB
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${CACHELAB_TRACE_DIR:-$HERE/downloads}"
CAFFEINE="https://raw.githubusercontent.com/ben-manes/caffeine/master/simulator/src/main/resources/com/github/benmanes/caffeine/cache/simulator/parser"
LIBCACHESIM="https://raw.githubusercontent.com/1a1a11a/libCacheSim/develop/data"
S3="https://cache-datasets.s3.amazonaws.com/cache_dataset_oracleGeneral"

# name|url|kind|output file|licence and source
TRACES=(
  "libcachesim-cloudphysics|$LIBCACHESIM/cloudPhysicsIO.oracleGeneral.bin|raw|cloudPhysicsIO.oracleGeneral.bin|CloudPhysics sample as distributed with libCacheSim (see that repository for terms)"
  "cache2k-web07|$CAFFEINE/cache2k/web07.trace.xz|cache2k|cache2k-web07.txt|CC BY 4.0, headissue GmbH, Jens Wilke (via the Caffeine simulator)"
  "cache2k-web12|$CAFFEINE/cache2k/web12.trace.xz|cache2k|cache2k-web12.txt|CC BY 4.0, headissue GmbH, Jens Wilke (via the Caffeine simulator)"
  "cache2k-orm-busy|$CAFFEINE/cache2k/orm-busy.trace.xz|cache2k|cache2k-orm-busy.txt|CC BY 4.0, headissue GmbH, Jens Wilke (via the Caffeine simulator)"
  "cache2k-orm-night|$CAFFEINE/cache2k/orm-night.trace.xz|cache2k|cache2k-orm-night.txt|CC BY 4.0, headissue GmbH, Jens Wilke (via the Caffeine simulator)"
  "lirs-2_pools|$CAFFEINE/lirs/2_pools.trace.gz|lirs|lirs-2_pools.txt|LIRS traces (Jiang & Zhang), via the Caffeine simulator"
  "lirs-cpp|$CAFFEINE/lirs/cpp.trace.gz|lirs|lirs-cpp.txt|LIRS traces (Jiang & Zhang), via the Caffeine simulator"
  "lirs-cs|$CAFFEINE/lirs/cs.trace.gz|lirs|lirs-cs.txt|LIRS traces (Jiang & Zhang), via the Caffeine simulator"
  "lirs-gli|$CAFFEINE/lirs/gli.trace.gz|lirs|lirs-gli.txt|LIRS traces (Jiang & Zhang), via the Caffeine simulator"
  "lirs-loop|$CAFFEINE/lirs/loop.trace.gz|lirs|lirs-loop.txt|LIRS traces (Jiang & Zhang), via the Caffeine simulator"
  "lirs-multi1|$CAFFEINE/lirs/multi1.trace.gz|lirs|lirs-multi1.txt|LIRS traces (Jiang & Zhang), via the Caffeine simulator"
  "lirs-multi2|$CAFFEINE/lirs/multi2.trace.gz|lirs|lirs-multi2.txt|LIRS traces (Jiang & Zhang), via the Caffeine simulator"
  "lirs-multi3|$CAFFEINE/lirs/multi3.trace.gz|lirs|lirs-multi3.txt|LIRS traces (Jiang & Zhang), via the Caffeine simulator"
  "lirs-ps|$CAFFEINE/lirs/ps.trace.gz|lirs|lirs-ps.txt|LIRS traces (Jiang & Zhang), via the Caffeine simulator"
  "lirs-sprite|$CAFFEINE/lirs/sprite.trace.gz|lirs|lirs-sprite.txt|LIRS traces (Jiang & Zhang), via the Caffeine simulator"
  "msr-hm0|$S3/2007_msr/msr_hm_0.oracleGeneral.zst|zstd|msr_hm_0.oracleGeneral.bin|MSR Cambridge block I/O (SNIA IOTTA), libCacheSim's oracleGeneral conversion, ~18 MB compressed"
  "msr-proj0|$S3/2007_msr/msr_proj_0.oracleGeneral.zst|zstd|msr_proj_0.oracleGeneral.bin|MSR Cambridge block I/O (SNIA IOTTA), ~18 MB compressed"
  "msr-prxy0|$S3/2007_msr/msr_prxy_0.oracleGeneral.zst|zstd|msr_prxy_0.oracleGeneral.bin|MSR Cambridge block I/O (SNIA IOTTA), ~47 MB compressed"
  "twitter-cluster45|$S3/2020_twitter/cluster45.oracleGeneral.sample10.zst|zstd|twitter_cluster45.oracleGeneral.bin|Twitter Twemcache (OSDI '20), 10% sample, ~158 MB compressed"
)
SMALL=(libcachesim-cloudphysics cache2k-web07 cache2k-web12 cache2k-orm-busy cache2k-orm-night lirs-2_pools lirs-cpp lirs-cs lirs-gli lirs-loop lirs-multi1 lirs-multi2 lirs-multi3 lirs-ps lirs-sprite msr-hm0 msr-proj0 msr-prxy0)

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "download.sh: '$1' is needed for $2; install it (e.g. apt-get install $3)" >&2; exit 1; }
}

entry() {
  local name="$1" line
  for line in "${TRACES[@]}"; do
    if [[ "${line%%|*}" == "$name" ]]; then echo "$line"; return 0; fi
  done
  echo "download.sh: unknown trace '$name'; run with --list" >&2
  exit 1
}

fetch() {
  local name url kind file licence
  IFS='|' read -r name url kind file licence <<<"$(entry "$1")"
  local target="$OUT/$file"
  if [[ -s "$target" ]]; then echo "have $target"; return 0; fi
  local tmp="$target.part"
  echo "fetching $name from $url"
  case "$kind" in
    raw)
      curl -fL --retry 3 -o "$tmp" "$url" ;;
    cache2k)
      # cache2k traces: xz-compressed big-endian 32-bit integers, one per request.
      need xz "cache2k traces" xz-utils
      curl -fL --retry 3 "$url" | xz -dc | od -An -v -t u4 --endian=big -w4 | tr -d ' ' >"$tmp" ;;
    lirs)
      # LIRS traces: one block number per line; '*' lines are checkpoints of the original tool.
      need gzip "LIRS traces" gzip
      curl -fL --retry 3 "$url" | gzip -dc | grep -v '^[[:space:]]*\*' | grep -v '^[[:space:]]*$' >"$tmp" ;;
    zstd)
      need zstd "the libCacheSim S3 traces" zstd
      curl -fL --retry 3 "$url" | zstd -dc >"$tmp" ;;
  esac
  mv "$tmp" "$target"
  echo "$file|$licence|$url" >>"$OUT/SOURCES.txt"
  echo "wrote $target ($licence)"
}

if [[ $# -eq 0 || "$1" == "--help" || "$1" == "-h" ]]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
if [[ "$1" == "--list" ]]; then
  for line in "${TRACES[@]}"; do
    IFS='|' read -r name url kind file licence <<<"$line"
    printf '%-26s %-36s %s\n' "$name" "$file" "$licence"
  done
  exit 0
fi

need curl "downloads" curl
mkdir -p "$OUT"
# Downloaded traces are not part of the repository.
[[ -f "$OUT/.gitignore" ]] || printf '*\n' >"$OUT/.gitignore"
names=("$@")
if [[ "$1" == "all-small" ]]; then names=("${SMALL[@]}"); fi
for name in "${names[@]}"; do fetch "$name"; done
echo "done: traces in $OUT (sources and licences in $OUT/SOURCES.txt)"
