#!/usr/bin/env bash
# A local apt repository for test hosts, which have no route to a mirror.
#
#   apt_repo.sh build REPO [DEB...]
#       Makes REPO a flat repository ("deb file:REPO ./") holding the given
#       .deb files and the test packages cairn-test-hello 1.0 and 1.1 (both
#       versions are listed, so a test can install 1.0 and then upgrade).
#       cairn-test-hello installs /usr/bin/cairn-test-hello, which prints
#       "cairn-test-hello VERSION". Indexed with apt-ftparchive (apt-utils).
#   apt_repo.sh fetch [--absent "PKG..."] ROOTFS PACKAGE...
#       Downloads from Debian's mirror (bookworm main, as the rootfs) the
#       .deb files that installing PACKAGEs on ROOTFS needs — the packages
#       and every dependency the rootfs lacks, without recommends — and
#       prints their paths, one a line, for `build`. --absent (a
#       space-separated list) computes that as if ROOTFS lacked those
#       packages too, for hosts that purged them (fleet.sh blank): apt reads
#       a copy of ROOTFS's dpkg status without their entries. Cached under
#       $CAIRN_TEST_CACHE (default /var/cache/cairn-test) by rootfs, package
#       list and absent list; a killed run leaves no partial cache behind.
#   apt_repo.sh configure FLEET_DIR HOST REPO
#       Copies REPO into HOST at /srv/cairn-test-repo, points apt at it
#       (/etc/apt/sources.list.d/cairn-test.list, [trusted=yes]: unsigned)
#       and runs apt-get update there. The host's other sources stay as they
#       are (the rootfs has none), so apt-get install works offline.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly HOST_REPO=/srv/cairn-test-repo

die() { echo "apt_repo.sh: $*" >&2; exit 1; }

# Builds cairn-test-hello VERSION into DIR with dpkg-deb.
hello_deb() {  # VERSION DIR
  local version="$1" out="$2" tree
  tree="$(mktemp -d)"
  mkdir -p "$tree/DEBIAN" "$tree/usr/bin"
  cat >"$tree/DEBIAN/control" <<EOF
Package: cairn-test-hello
Version: $version
Architecture: all
Maintainer: Cairn tests <cairn-tests@localhost>
Section: misc
Priority: optional
Description: Cairn test package
 Installed by the agent's integration tests from a local repository.
EOF
  printf '#!/bin/sh\necho "cairn-test-hello %s"\n' "$version" >"$tree/usr/bin/cairn-test-hello"
  chmod 755 "$tree/usr/bin/cairn-test-hello"
  dpkg-deb --root-owner-group -Zgzip --build "$tree" \
    "$out/cairn-test-hello_${version}_all.deb" >/dev/null
  rm -rf "$tree"
}

cmd_build() {
  (($# >= 1)) || die "usage: apt_repo.sh build REPO [DEB...]"
  local repo="$1" deb
  shift
  command -v dpkg-deb >/dev/null || die "dpkg-deb is missing"
  command -v apt-ftparchive >/dev/null || die "apt-ftparchive is missing: run tools/setup"
  mkdir -p "$repo"
  for deb in "$@"; do
    [[ "$deb" == *.deb && -f "$deb" ]] || die "$deb is not a .deb file"
    cp "$deb" "$repo/"
  done
  hello_deb 1.0 "$repo"
  hello_deb 1.1 "$repo"
  (
    cd "$repo"
    apt-ftparchive packages . >Packages
    gzip -9nc Packages >Packages.gz
    apt-ftparchive -o APT::FTPArchive::Release::Origin=cairn-test \
      -o APT::FTPArchive::Release::Label=cairn-test release . >Release
  )
  # apt reads file: repositories as its unprivileged _apt user.
  chmod -R a+rX "$repo"
}

# Writes to stdout the dpkg status file STATUS without the entries of the
# packages named in ABSENT (space-separated): what apt sees on a host that
# purged them.
status_without() {  # STATUS ABSENT
  awk -v absent="$2" '
    BEGIN {
      RS = ""; ORS = "\n\n"
      n = split(absent, names, " ")
      for (i = 1; i <= n; i++) gone[names[i]] = 1
    }
    {
      name = ""
      nlines = split($0, lines, "\n")
      for (i = 1; i <= nlines; i++)
        if (lines[i] ~ /^Package: /) { name = substr(lines[i], 10); break }
      if (!(name in gone)) print
    }' "$1"
}

cmd_fetch() {
  local absent=()
  if [[ "${1:-}" == --absent ]]; then
    (($# >= 2)) || die "usage: apt_repo.sh fetch [--absent \"PKG...\"] ROOTFS PACKAGE..."
    read -r -a absent <<<"$2"
    shift 2
  fi
  (($# >= 2)) || die "usage: apt_repo.sh fetch [--absent \"PKG...\"] ROOTFS PACKAGE..."
  local rootfs="$1"
  shift
  [[ -f "$rootfs/var/lib/dpkg/status" ]] || die "$rootfs is not a root filesystem"
  local cache="${CAIRN_TEST_CACHE:-/var/cache/cairn-test}" key
  # Without --absent the key is what it always was, so caches stay valid.
  key="$( (
    echo "$rootfs"
    printf '%s\n' "$@" | sort -u
    ((${#absent[@]} == 0)) || { echo --absent; printf '%s\n' "${absent[@]}" | sort -u; }
  ) | sha256sum | cut -c1-16)"
  local final="$cache/debs-$key"
  mkdir -p "$cache"
  exec 8>"$final.lock"
  flock 8
  if [[ ! -d "$final" ]]; then
    rm -rf "$final".tmp.*
    local tmp
    tmp="$(mktemp -d "$final.tmp.XXXXXX")"
    mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
    echo "deb http://deb.debian.org/debian bookworm main" >"$tmp/sources.list"
    local status="$rootfs/var/lib/dpkg/status"
    if ((${#absent[@]} > 0)); then
      status_without "$status" "${absent[*]}" >"$tmp/status"
      status="$tmp/status"
    fi
    local apt=(apt-get -q -o Dir::Etc::SourceList="$tmp/sources.list"
      -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists="$tmp/lists"
      -o Dir::State::status="$status"
      -o Dir::Cache::archives="$tmp/archives" -o Dir::Cache::pkgcache=""
      -o Dir::Cache::srcpkgcache="" -o Debug::NoLocking=1
      -o APT::Install-Recommends=0 -o APT::Sandbox::User=root)
    if ! "${apt[@]}" update >"$tmp/log" 2>&1 ||
      ! "${apt[@]}" install --download-only -y "$@" >>"$tmp/log" 2>&1; then
      tail -n 20 "$tmp/log" >&2
      rm -rf "$tmp"
      die "downloading $* failed (log above)"
    fi
    mkdir "$tmp/debs"
    mv "$tmp"/archives/*.deb "$tmp/debs/" 2>/dev/null || true
    mv -T "$tmp/debs" "$final"
    rm -rf "$tmp"
  fi
  exec 8>&-
  find "$final" -name '*.deb' | sort
}

cmd_configure() {
  (($# == 3)) || die "usage: apt_repo.sh configure FLEET_DIR HOST REPO"
  local dir="$1" host="$2" repo="$3"
  [[ -f "$repo/Packages" ]] || die "$repo is not a repository (apt_repo.sh build makes one)"
  local fleet=("$HERE/fleet.sh" exec "$dir" "$host")
  "${fleet[@]}" sh -c "rm -rf $HOST_REPO && mkdir -p $HOST_REPO"
  tar -C "$repo" -cf - . | "${fleet[@]}" tar -C "$HOST_REPO" -xf - --no-same-owner
  echo "deb [trusted=yes] file:$HOST_REPO ./" |
    "${fleet[@]}" sh -c 'cat >/etc/apt/sources.list.d/cairn-test.list'
  "${fleet[@]}" apt-get -q -o Dpkg::Use-Pty=0 update >/dev/null ||
    die "apt-get update failed in $host"
}

main() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    build) cmd_build "$@" ;;
    fetch) cmd_fetch "$@" ;;
    configure) cmd_configure "$@" ;;
    *) sed -n '2,24s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
  esac
}

main "$@"
