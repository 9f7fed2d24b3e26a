# Sourced by .ci/demo, .ci/test and .ci/bench: installs the Debian 12 packages named in "$@" that are
# missing (as root, or through sudo), running apt-get update once only when something is missing.
tapeless_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}
TAPELESS_BUILD_PACKAGES=(g++ meson ninja-build pkg-config python3 libboost-dev libboost-test-dev libhwy-dev libeigen3-dev cmake make git)
# MPI for examples/mpi_data_parallel (its test is skipped without them): .ci/run installs these.
TAPELESS_MPI_PACKAGES=(libopenmpi-dev openmpi-bin)
