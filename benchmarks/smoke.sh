#!/usr/bin/env bash
# Runs every scenario at smoke scale (seconds each) and checks that each completed and wrote its
# results. It asserts nothing about speed: it only keeps the harness from rotting.
# Mosquitto and NATS are included when their binaries are installed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
results="$here/results/smoke"
mkdir -p "$results"

targets="state"
[[ -x /usr/sbin/mosquitto ]] && targets="$targets,mosquitto"
[[ -x /usr/sbin/nats-server ]] && targets="$targets,nats"

failed=0
for scenario in S1 S2 S3 S4 S5 S6; do
  case $scenario in
    S5 | S6) scenario_targets=state ;;
    *) scenario_targets=$targets ;;
  esac
  # The calibration path is exercised once (S2); elsewhere it would only double the time.
  calibration=--no-calibration
  [[ $scenario == S2 ]] && calibration=""
  marker="$(mktemp)"
  echo "== smoke $scenario ($scenario_targets)"
  if ! "$here/run.sh" "$scenario" --scale smoke --targets "$scenario_targets" --results "$results" $calibration; then
    echo "smoke $scenario: run failed" >&2
    failed=1
  fi
  json="$(find "$results" -maxdepth 1 -name "$scenario-*.json" -newer "$marker" | head -n 1)"
  html="${json%.json}.html"
  rm -f "$marker"
  if [[ -z $json || ! -s $json || ! -s $html ]]; then
    echo "smoke $scenario: no results file" >&2
    failed=1
  elif grep -q '"failed"' "$json"; then
    echo "smoke $scenario: a target failed, see $json" >&2
    failed=1
  else
    echo "smoke $scenario: ok ($json)"
  fi
done
exit $failed
