#!/usr/bin/env bash
# Lints the Bicep under infra/ offline and fails on any diagnostic (error, warning or info):
#   1. restores the bicep CLI (NuGet package Azure.Bicep.CommandLine.linux-x64, pinned in
#      Directory.Packages.props) through infra/tools/Bicep.Tools.csproj, or uses $BICEP;
#   2. bicep build infra/main.bicep (compiles every module; the linter runs too);
#   3. bicep lint infra/main.bicep and every other .bicep file under infra/;
#   4. bicep format must leave every file unchanged;
#   5. main.parameters.json must name only parameters of main.bicep and every required one;
#   6. the azd hook scripts (infra/hooks/*.sh): sh -n, and shellcheck (required when CI is set;
#      Debian: apt-get install -y shellcheck; skipped with a notice elsewhere when missing).
# Rules: infra/bicepconfig.json. Usage: infra/lint.sh (from anywhere).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

tools=infra/tools/Bicep.Tools.csproj
if [ -z "${BICEP:-}" ]; then
  dotnet restore "$tools" --verbosity quiet
  BICEP=$(dotnet msbuild "$tools" -getProperty:BicepPath)
fi
if [ ! -x "$BICEP" ]; then
  echo "lint: no bicep executable at '$BICEP'" >&2
  exit 1
fi
echo "== $("$BICEP" --version)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# Runs a bicep command; fails on a non-zero exit or on any diagnostic line in its output.
check() {
  local label=$1
  shift
  local log="$work/log"
  if ! "$BICEP" "$@" >"$work/out" 2>"$log"; then
    failed=1
  fi
  if grep -Eq ' : (Error|Warning|Info) ' "$log"; then
    failed=1
  fi
  if [ -s "$log" ]; then
    sed "s|$PWD/||" "$log"
  fi
  echo "-- $label: done"
}

check "build infra/main.bicep" build infra/main.bicep --outfile "$work/main.json"
check "lint infra/main.bicep" lint infra/main.bicep
while IFS= read -r file; do
  check "lint $file" lint "$file"
done < <(find infra -name '*.bicep' ! -path infra/main.bicep | sort)

# Formatting: bicep format is the style (120 columns, two spaces).
while IFS= read -r file; do
  "$BICEP" format "$file" --outfile "$work/formatted.bicep"
  if ! diff -u "$file" "$work/formatted.bicep" >"$work/format.diff"; then
    echo "$file: not formatted; run: \"\$BICEP\" format $file"
    sed -n '1,40p' "$work/format.diff"
    failed=1
  fi
done < <(find infra -name '*.bicep' | sort)
echo "-- format: done"

# The azd parameters file against the compiled template.
if [ -s "$work/main.json" ]; then
  node - "$work/main.json" infra/main.parameters.json infra/abbreviations.json <<'JS' || failed=1
const fs = require('fs');
const [template, parametersFile, abbreviations] = process.argv.slice(2);
const declared = JSON.parse(fs.readFileSync(template, 'utf8')).parameters ?? {};
const given = JSON.parse(fs.readFileSync(parametersFile, 'utf8')).parameters ?? {};
JSON.parse(fs.readFileSync(abbreviations, 'utf8'));
const problems = [];
for (const name of Object.keys(given)) {
  if (!(name in declared)) problems.push(`${parametersFile}: '${name}' is not a parameter of main.bicep`);
}
for (const [name, p] of Object.entries(declared)) {
  if (!('defaultValue' in p) && !(name in given)) problems.push(`${parametersFile}: required parameter '${name}' is missing`);
}
problems.forEach((p) => console.log(p));
process.exit(problems.length ? 1 : 0);
JS
fi
echo "-- parameters: done"

# The azd hook scripts: POSIX sh syntax, then shellcheck.
while IFS= read -r file; do
  sh -n "$file" || failed=1
  if command -v shellcheck >/dev/null 2>&1; then
    shellcheck -s sh "$file" || failed=1
  elif [ -n "${CI:-}" ]; then
    echo "$file: shellcheck is required in CI (apt-get install -y shellcheck)"
    failed=1
  else
    echo "$file: shellcheck not installed; only sh -n was run"
  fi
done < <(find infra/hooks -name '*.sh' | sort)
echo "-- hooks: done"

if [ "$failed" -ne 0 ]; then
  echo "infra lint: FAILED" >&2
  exit 1
fi
echo "infra lint: OK (no errors, no warnings)"
