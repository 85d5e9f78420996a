#!/usr/bin/env bash
# Regenerates the fixtures in this folder with the real ansible-vault (and,
# for the fixed-salt files, ansible's own Python VaultLib). Run it from
# anywhere; it rewrites only the *.vault and *_vars.yml files here. The
# random salts make every run produce different bytes that decrypt to the
# same plaintext, so re-run it only when a fixture must change.
set -euo pipefail
cd "$(dirname "$0")"
export ANSIBLE_LOCAL_TEMP="$(mktemp -d)" LC_ALL=C.UTF-8
trap 'rm -rf "$ANSIBLE_LOCAL_TEMP"' EXIT
pw=password.txt
tmp="$ANSIBLE_LOCAL_TEMP"

enc() {  # enc OUTPUT INPUT [ansible-vault options...]
  local out=$1 in=$2
  shift 2
  rm -f "$out"
  ansible-vault encrypt "$@" --output "$out" "$in"
}

enc plain_1.1.vault plain.txt --vault-password-file "$pw"
enc plain_1.2_prod.vault plain.txt --vault-id "prod@$pw"
: >"$tmp/empty"
enc empty_1.1.vault "$tmp/empty" --vault-password-file "$pw"
printf '0123456789abcdef' >"$tmp/block16"
enc block16_1.2_dev.vault "$tmp/block16" --vault-id "dev@$pw"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' >"$tmp/binary"
enc binary_1.1.vault "$tmp/binary" --vault-password-file "$pw"
enc group_vars_vault.yml group_vars_vault.plain.yml --vault-password-file "$pw"

# A vars file with encrypt_string values among plain ones.
db=$(ansible-vault encrypt_string --vault-password-file "$pw" \
  --name db_password 'p@ss: "word" #1')
root=$(ansible-vault encrypt_string --vault-id "prod@$pw" \
  --name root_password 'Grüße, 東京')
key=$(printf 'line one\nline two\n' | ansible-vault encrypt_string \
  --vault-id "dev@$pw" --stdin-name ssh_key)
{
  echo '---'
  echo '# Plain values and vaulted ones, as in group_vars/all/vars.yml.'
  echo 'app_name: madada'
  echo "$db"
  echo 'mysql:'
  echo '  host: db.example.org  # a comment'
  echo "$root" | sed 's/^/  /'
  echo 'admins:'
  echo '  - marien'
  echo '  - name: alice'
  echo '    shell: /bin/bash'
  echo 'motd: |'
  echo '  Welcome: db_password: !vault | is not a key here.'
  echo "$key"
  echo 'empty:'
} >inline_vars.yml

# Fixed salt: ansible's exact bytes, which EncryptWithSalt must reproduce.
/usr/bin/python3 - "$pw" <<'PY'
import sys
from ansible.parsing.vault import VaultLib, VaultSecret
pw = open(sys.argv[1], 'rb').read().strip()
plain = open('plain.txt', 'rb').read()
salt = bytes(range(32))
lib = VaultLib([('default', VaultSecret(pw))])
for name, vault_id in (('fixed_salt_1.1.vault', None),
                       ('fixed_salt_1.2_dev.vault', 'dev')):
    with open(name, 'wb') as f:
        f.write(lib.encrypt(plain, vault_id=vault_id, salt=salt))
PY
ansible-vault --version >"$tmp/version"
head -1 "$tmp/version" >ansible_version.txt
