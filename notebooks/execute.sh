#!/usr/bin/env bash
# Executes every notebook in notebooks/ headlessly with `jupyter nbconvert --execute` on the tslab
# TypeScript kernel, and writes the executed copies (outputs and plots included) to
# reports/notebooks/. Fails (exit 1) on the first cell that throws.
#
# Needs: Debian's Jupyter (apt-get install -y jupyter-nbconvert python3-ipykernel) and the
# workspace installed (pnpm install puts tslab in packages/cli/node_modules/.bin).
# Usage: bash notebooks/execute.sh [notebook.ipynb ...]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Debian's Jupyter by default; else the `jupyter` on PATH (a pip install); JUPYTER=path overrides.
jupyter_bin="${JUPYTER:-/usr/bin/jupyter}"
if [ -z "${JUPYTER:-}" ] && ! [ -x "$jupyter_bin" ]; then jupyter_bin="$(command -v jupyter || echo /usr/bin/jupyter)"; fi
if ! [ -x "$jupyter_bin" ] || ! "$jupyter_bin" nbconvert --version >/dev/null 2>&1; then
  echo "notebooks: Jupyter with nbconvert not found at $jupyter_bin; install it with: apt-get install -y jupyter-nbconvert python3-ipykernel (bash .ci/setup does), or point JUPYTER at a jupyter that has nbconvert" >&2
  exit 1
fi
tslab="$root/packages/cli/node_modules/.bin/tslab"
if ! [ -x "$tslab" ]; then
  echo "notebooks: tslab not found at $tslab; run: pnpm install" >&2
  exit 1
fi

# A kernel spec of our own, in a private JUPYTER_PATH: tslab type-checks cells against its
# working directory, so the kernel starts at the repository root (nbconvert would start it in
# notebooks/), which is where `runs/` and `packages/` are.
kernels="$(mktemp -d)"
trap 'rm -rf "$kernels"' EXIT
mkdir -p "$kernels/kernels/cachelab-ts"
cat > "$kernels/kernels/cachelab-ts/kernel.json" <<JSON
{
  "argv": ["sh", "-c", "cd '$root' && exec '$tslab' kernel --config-path \"\$0\"", "{connection_file}"],
  "display_name": "TypeScript (cachelab, tslab)",
  "language": "typescript"
}
JSON

# The notebooks read these runs; running them again only fills in missing cells.
pnpm -s cachelab run experiments/compare-web07 --quiet >/dev/null
pnpm -s cachelab run experiments/prefetch-web07 --quiet >/dev/null

out="$root/reports/notebooks"
mkdir -p "$out"
if [ "$#" -gt 0 ]; then notebooks=("$@"); else notebooks=("$root"/notebooks/*.ipynb); fi
for notebook in "${notebooks[@]}"; do
  echo "notebooks: executing $notebook"
  JUPYTER_PATH="$kernels" "$jupyter_bin" nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=cachelab-ts --ExecutePreprocessor.timeout=600 \
    --output-dir "$out" ${NB_EXTRA:-} "$notebook"
done
echo "notebooks: executed copies in $out"
