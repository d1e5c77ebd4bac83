#!/bin/sh
# Removes from a production node_modules what Node never loads at run time: source maps, type
# declarations and TypeScript sources (Node does not strip types under node_modules), docs, packages'
# own tests and examples, and native prebuilds for other platforms or for the Bare runtime (*.bare
# addons, which Node cannot load). Halves the controller image's dependencies.
# Usage: slim-node-modules.sh <node_modules dir>
set -eu
dir="${1:?usage: slim-node-modules.sh <node_modules dir>}"
[ -d "$dir" ] || { echo "slim-node-modules.sh: $dir is not a directory" >&2; exit 1; }
find "$dir" -type f \( -name '*.bare' -o -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -iname '*.md' -o -iname '*.markdown' \) -delete
# Package-root folders only (node_modules/<pkg>/test, node_modules/@scope/<pkg>/test): a nested lib/test
# folder may be code.
for pkg in "$dir"/* "$dir"/@*/*; do
  [ -d "$pkg" ] || continue
  rm -rf "$pkg/test" "$pkg/tests" "$pkg/__tests__" "$pkg/example" "$pkg/examples" "$pkg/docs" "$pkg/.github"
done
find "$dir" -type d -name prebuilds -prune | while read -r p; do
  find "$p" -mindepth 1 -maxdepth 1 ! -name 'linux-*' -exec rm -rf {} +
done
