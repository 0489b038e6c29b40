#!/usr/bin/env bash
# Which build of PyTorch `make setup` installs. Prints pip's arguments for torch and
# torchvision on stdout (the Makefile adds them to its one `pip install`) and says on stderr
# which build it chose and why.
#
#   TORCH_INDEX unset or empty   choose: an NVIDIA GPU (nvidia-smi works, or /proc/driver/nvidia
#                                exists) gets PyPI's build, which carries CUDA; otherwise the
#                                small CPU-only build from the PyTorch CPU index, when that index
#                                answers within TORCH_INDEX_TIMEOUT seconds; otherwise PyPI's.
#   TORCH_INDEX=pypi             PyPI's build (requirements-torch.txt: torch===X, exactly that build)
#   TORCH_INDEX=URL              that wheel index, e.g. https://download.pytorch.org/whl/cu126;
#                                its builds carry the index's tag (torch==X+cu126), pinned exactly
#
# Versions come from requirements-torch.txt. For tests: TORCH_CPU_INDEX (default
# https://download.pytorch.org/whl/cpu), TORCH_INDEX_TIMEOUT (default 5), NVIDIA_PROC (default
# /proc/driver/nvidia), PYTHON (the interpreter that probes the index; default python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
req="$root/requirements-torch.txt"
cpu_index="${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}"
timeout_s="${TORCH_INDEX_TIMEOUT:-5}"
python="${PYTHON:-python3}"

pin() {  # the version pinned for package $1 in requirements-torch.txt
  sed -nE "s/^$1[[:space:]]*={2,3}[[:space:]]*([^[:space:]#;]+).*/\1/p" "$req" | head -n 1
}
torch_v="$(pin torch)"
vision_v="$(pin torchvision)"
if [ -z "$torch_v" ] || [ -z "$vision_v" ]; then
  echo "torch_index.sh: no exact torch/torchvision pins in $req" >&2
  exit 2
fi

say() { echo "PyTorch: $*" >&2; }

use_pypi() {
  say "$1: installing PyPI's build of torch $torch_v (large on Linux: it bundles CUDA; it runs on a CPU too)."
  echo "-r $req"
}

use_index() {  # $1: index URL, $2: why
  local url="${1%/}" tag
  tag="${url##*/}"
  if ! [[ "$tag" =~ ^(cpu|cu[0-9]+|rocm[0-9.]+|xpu)$ ]]; then
    echo "torch_index.sh: cannot tell the build from TORCH_INDEX=$1: its last part should name it" \
         "(cpu, cu126, rocm6.4, ...), as on https://download.pytorch.org/whl/" >&2
    exit 2
  fi
  say "$2: installing torch $torch_v+$tag and torchvision $vision_v+$tag from $url."
  echo "--extra-index-url $url torch==$torch_v+$tag torchvision==$vision_v+$tag"
}

has_nvidia_gpu() {
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    return 0
  fi
  [ -e "${NVIDIA_PROC:-/proc/driver/nvidia}" ]
}

reachable() {  # does the index answer for torch within the timeout?
  "$python" - "$1/torch/" "$timeout_s" <<'EOF' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
}

case "${TORCH_INDEX:-}" in
  pypi | PyPI | PYPI)
    use_pypi "TORCH_INDEX=pypi"
    ;;
  "")
    if has_nvidia_gpu; then
      use_pypi "an NVIDIA GPU is present"
    elif reachable "${cpu_index%/}"; then
      use_index "$cpu_index" "no NVIDIA GPU found, so the CPU-only build (about 200 MB instead of 5 GB)"
    else
      use_pypi "no NVIDIA GPU found, but $cpu_index could not be reached (waited up to ${timeout_s} s)"
    fi
    ;;
  *)
    use_index "$TORCH_INDEX" "TORCH_INDEX=$TORCH_INDEX"
    ;;
esac
