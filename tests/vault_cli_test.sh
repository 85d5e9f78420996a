#!/usr/bin/env bash
# End-to-end tests of `cairn vault` against the real ansible-vault: files and
# strings each one encrypts open with the other (1.1 and 1.2, several vault
# ids), edit keeps unchanged files byte-identical, rekey, password files,
# scripts, the environment and terminal prompts, and failures that must
# leave files untouched and never print a password or a plaintext.
#
# tools/setup installs ansible, so a missing ansible-vault fails this test
# instead of skipping it.
set -uo pipefail

cairn="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/vault-cli-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
expect_status() {  # name want got
  if [[ "$2" == "$3" ]]; then pass "$1"; else
    fail "$1 (exit $3, want $2)"
    [[ -s err ]] && sed 's/^/    /' err
  fi
}
expect_grep() {  # name pattern file
  if grep -qE -- "$2" "$3"; then pass "$1"; else
    fail "$1: /$2/ not in $3:"; sed 's/^/    /' "$3"
  fi
}
expect_same() {  # name want_file got_file
  if cmp -s "$2" "$3"; then pass "$1"; else fail "$1: $2 and $3 differ"; fi
}
header() { head -n 1 "$1"; }
expect_header() {  # name want file
  if [[ "$(header "$3")" == "$2" ]]; then pass "$1"; else
    fail "$1: header '$(header "$3")', want '$2'"
  fi
}

if [[ ! -x /usr/bin/ansible-vault ]]; then
  echo "FAIL: /usr/bin/ansible-vault is missing; tools/setup installs it" \
    "(Debian package ansible). This test does not skip."
  exit 1
fi

# Ansible writes to HOME and its temp dir; keep both inside the test.
mkdir -p home ansible-tmp tmp
: >ansible.cfg
export HOME="$work/home" ANSIBLE_LOCAL_TEMP="$work/ansible-tmp"
export ANSIBLE_CONFIG="$work/ansible.cfg" ANSIBLE_NOCOLOR=1 LC_ALL=C.UTF-8
export TMPDIR="$work/tmp"
unset CAIRN_VAULT_PASSWORD EDITOR VISUAL
av() { /usr/bin/ansible-vault "$@"; }

# Passwords: stripped the way ansible strips them.
printf '  correct horse battery staple \n' >pw_default
printf 'dev password\n' >pw_dev
printf 'prod-P\xc3\xa4ssw\xc3\xb6rd\r\n' >pw_prod
printf 'SoDifferent-new-pw\n' >pw_new
passwords=('correct horse battery staple' 'dev password' 'SoDifferent-new-pw')
marker='TOP-SECRET-PLAINTEXT-4711'

# Nothing a user sees on stderr may contain a password or the plaintext.
expect_no_secrets() {  # name file
  local leaked=""
  for secret in "${passwords[@]}" "prod-P" "$marker"; do
    grep -qF -- "$secret" "$2" && leaked="$leaked '$secret'"
  done
  if [[ -z "$leaked" ]]; then pass "$1"; else fail "$1: leaked$leaked"; fi
}

# Plaintexts: text with the marker, empty, 1 byte, 16 bytes, UTF-8, binary.
printf 'db_password: %s\nport: 5432\n' "$marker" >plain_text
: >plain_empty
printf 'x' >plain_one
printf '0123456789abcdef' >plain_block
printf 'Gr\xc3\xbc\xc3\x9fe, \xe6\x9d\xb1\xe4\xba\xac\n' >plain_utf8
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 2654435761 >> 13) & 255 for i in range(70000)))' >plain_binary
plains=(plain_text plain_empty plain_one plain_block plain_utf8 plain_binary)

# --- cairn encrypts, ansible decrypts -------------------------------------

for p in "${plains[@]}"; do cp "$p" "c11_$p"; done
"$cairn" vault encrypt --vault-password-file pw_default "${plains[@]/#/c11_}" 2>err
expect_status "encrypt 1.1, six files" 0 $?
for p in "${plains[@]}"; do
  expect_header "c11_$p header" '$ANSIBLE_VAULT;1.1;AES256' "c11_$p"
  av decrypt --vault-password-file pw_default --output "c11_$p.out" "c11_$p" 2>/dev/null
  expect_same "ansible decrypts c11_$p" "$p" "c11_$p.out"
done

cp plain_text c12_dev
"$cairn" vault encrypt --vault-id dev@pw_dev c12_dev 2>err
expect_status "encrypt --vault-id dev@FILE" 0 $?
expect_header "1.2 header names dev" '$ANSIBLE_VAULT;1.2;AES256;dev' c12_dev
av view --vault-id dev@pw_dev c12_dev >c12_dev.out 2>/dev/null
expect_same "ansible views the 1.2 file" plain_text c12_dev.out

cp plain_binary c12_prod
"$cairn" vault encrypt --vault-id dev@pw_dev --vault-id=prod@pw_prod \
  --encrypt-vault-id prod c12_prod 2>err
expect_status "encrypt with two ids, --encrypt-vault-id prod" 0 $?
expect_header "header names prod" '$ANSIBLE_VAULT;1.2;AES256;prod' c12_prod
av decrypt --vault-id dev@pw_dev --vault-id prod@pw_prod --output c12_prod.out \
  c12_prod 2>/dev/null
expect_same "ansible decrypts it with both ids" plain_binary c12_prod.out

cp plain_text two_ids
"$cairn" vault encrypt --vault-id dev@pw_dev --vault-id prod@pw_prod two_ids 2>err
expect_status "two ids and no --encrypt-vault-id is bad usage" 2 $?
expect_grep "says to choose with --encrypt-vault-id" 'encrypt-vault-id' err
expect_same "file untouched" plain_text two_ids

cp plain_text c12_label
"$cairn" vault encrypt --vault-password-file pw_default --encrypt-vault-id \
  staging c12_label 2>err
expect_status "--encrypt-vault-id labels a single password file" 0 $?
expect_header "header names staging" '$ANSIBLE_VAULT;1.2;AES256;staging' c12_label
av view --vault-id staging@pw_default c12_label >c12_label.out 2>/dev/null
expect_same "ansible views it" plain_text c12_label.out

"$cairn" vault encrypt --vault-id dev@pw_dev --encrypt-vault-id prod \
  c12_label 2>err
expect_status "--encrypt-vault-id naming no given id" 2 $?

# stdin to stdout, --output, modes and symbolic links.
"$cairn" vault encrypt --vault-password-file pw_default <plain_text >piped 2>err
expect_status "encrypt stdin to stdout" 0 $?
av decrypt --vault-password-file pw_default --output piped.out piped 2>/dev/null
expect_same "ansible decrypts the piped output" plain_text piped.out
"$cairn" vault encrypt --vault-password-file pw_default --output new_out \
  plain_text 2>err
expect_status "encrypt --output" 0 $?
expect_same "--output leaves the input alone" plain_text <(printf 'db_password: %s\nport: 5432\n' "$marker")
if [[ "$(stat -c %a new_out)" == 600 ]]; then pass "--output creates mode 600"; else
  fail "--output mode $(stat -c %a new_out)"; fi
"$cairn" vault encrypt --vault-password-file pw_default --output x plain_one \
  plain_block 2>err
expect_status "--output with two inputs is bad usage" 2 $?
cp plain_text moded && chmod 640 moded
"$cairn" vault encrypt --vault-password-file pw_default moded 2>err
if [[ "$(stat -c %a moded)" == 640 ]]; then pass "in place keeps the mode"; else
  fail "in place mode $(stat -c %a moded)"; fi
cp plain_text link_target && ln -s link_target link
"$cairn" vault encrypt --vault-password-file pw_default link 2>err
expect_status "encrypt through a symbolic link" 0 $?
if [[ -L link ]] && [[ "$(header link_target)" == '$ANSIBLE_VAULT;1.1;AES256' ]]; then
  pass "the link stays a link, its target is encrypted"
else fail "symbolic link replaced"; fi

# Already encrypted: refused, untouched.
cp c12_dev again && cp again again.before
"$cairn" vault encrypt --vault-id dev@pw_dev again 2>err
expect_status "encrypting a vault file again" 1 $?
expect_grep "says it is already encrypted" 'already vault-encrypted' err
expect_same "and leaves it alone" again.before again

# --- ansible encrypts, cairn decrypts -------------------------------------

for p in "${plains[@]}"; do cp "$p" "a11_$p"; done
av encrypt --vault-password-file pw_default "${plains[@]/#/a11_}" 2>/dev/null
for p in "${plains[@]}"; do
  "$cairn" vault view --vault-password-file pw_default "a11_$p" >"a11_$p.out" 2>err
  expect_same "cairn views ansible's a11_$p" "$p" "a11_$p.out"
done
"$cairn" vault decrypt --vault-password-file pw_default a11_plain_text 2>err
expect_status "decrypt in place" 0 $?
expect_same "decrypted in place" plain_text a11_plain_text

cp plain_utf8 a12_dev && av encrypt --vault-id dev@pw_dev a12_dev 2>/dev/null
cp plain_text a12_prod && av encrypt --vault-id prod@pw_prod a12_prod 2>/dev/null
for f in a12_dev a12_prod; do
  "$cairn" vault decrypt --vault-id prod@pw_prod --vault-id dev@pw_dev \
    --output - "$f" >"$f.out" 2>err
  expect_status "decrypt $f with two ids" 0 $?
done
expect_same "a12_dev plaintext" plain_utf8 a12_dev.out
expect_same "a12_prod plaintext" plain_text a12_prod.out
# The label is only a hint: a mislabelled password still opens the file.
"$cairn" vault view --vault-id other@pw_prod a12_prod >mislabel.out 2>err
expect_status "a password under another label still decrypts" 0 $?
"$cairn" vault decrypt --vault-password-file pw_dev --output - <a12_dev >stdin.out 2>err
expect_status "decrypt stdin to stdout" 0 $?
expect_same "stdin plaintext" plain_utf8 stdin.out

# --- encrypt-string -----------------------------------------------------

"$cairn" vault encrypt-string --vault-password-file pw_default --name db_password \
  "$marker" >str_cairn 2>err
expect_status "encrypt-string" 0 $?
expect_no_secrets "encrypt-string stderr" err
av encrypt_string --vault-password-file pw_default --name db_password \
  "$marker" >str_ansible 2>/dev/null
# Same layout as ansible's: the name line, the header and hex lines indented
# by 10 spaces, 80 hex digits a line; ansible-core 2.14 omits the final
# newline that later versions (and cairn) print.
printf '\n' >>str_ansible
if python3 - str_cairn str_ansible <<'PY'
import re, sys
ours, theirs = (open(f).read() for f in sys.argv[1:])
def shape(t):
    return [re.sub(r'[0-9a-f]', 'h', line) for line in t.split('\n')]
assert ours.endswith('\n'), 'no final newline'
assert shape(ours) == shape(theirs), (shape(ours), shape(theirs))
assert ours.split('\n')[0] == 'db_password: !vault |'
assert all(l.startswith(' ' * 10) and not l.startswith(' ' * 11)
           for l in ours.split('\n')[1:] if l), ours
PY
then pass "encrypt-string layout matches ansible's"; else fail "encrypt-string layout"; fi

printf 'api_key' | "$cairn" vault encrypt-string --vault-id dev@pw_dev \
  --stdin-name api_key >str_stdin 2>err
expect_status "encrypt-string --stdin-name" 0 $?
expect_grep "stdin block named, 1.2 header" '^          \$ANSIBLE_VAULT;1\.2;AES256;dev$' str_stdin
"$cairn" vault encrypt-string --vault-id dev@pw_dev -n first -n second one two \
  >str_two 2>err
expect_status "encrypt-string two names" 0 $?
expect_grep "stderr tells the blocks apart" '^# The encrypted version of variable \("second", the string #2' err
{
  cat str_cairn
  sed 's/^api_key:/api_key_dev:/' str_stdin
  cat str_two
  printf 'plain_value: 1\n'
} >vars.yml
ansible localhost -m debug -a 'msg={{ db_password }}|{{ api_key_dev }}|{{ first }}|{{ second }}' \
  -e @vars.yml --vault-id pw_default --vault-id dev@pw_dev >ansible_debug 2>&1
expect_status "ansible reads the vars file" 0 $?
expect_grep "ansible decrypted every block" "\"msg\": \"$marker\\|api_key\\|one\\|two\"" ansible_debug
# And ansible's encrypt_string output opens with cairn.
sed -n 's/^          //p' str_ansible >str_ansible.vault
"$cairn" vault view --vault-password-file pw_default - <str_ansible.vault >str_ansible.out 2>err
expect_status "cairn opens ansible's encrypt_string block" 0 $?
expect_same "its value" <(printf '%s' "$marker") str_ansible.out
"$cairn" vault encrypt-string --vault-password-file pw_default '' 2>err
expect_status "an empty string is refused" 2 $?

# --- edit -----------------------------------------------------------------

# The editor script logs the temp file's path and modes, then changes it.
cat >editor.sh <<'SH'
#!/bin/sh
# $1 is the plaintext temp file; a flag from EDITOR may come first.
[ "$1" = "--append" ] && shift
printf '%s %s %s\n' "$1" "$(stat -c %a "$1")" "$(stat -c %a "$(dirname "$1")")" >>"$EDITOR_LOG"
printf 'added: line\n' >>"$1"
SH
chmod +x editor.sh
export EDITOR_LOG="$work/editor.log"

cp c12_prod edit_me && cp edit_me edit_me.before
EDITOR=true "$cairn" vault edit --vault-id prod@pw_prod edit_me 2>err
expect_status "edit, EDITOR=true" 0 $?
expect_same "unchanged edit keeps the file byte-identical" edit_me.before edit_me

cp a12_prod edit_ansible && cp edit_ansible edit_ansible.before
EDITOR=true "$cairn" vault edit --vault-id dev@pw_dev --vault-id prod@pw_prod \
  edit_ansible 2>err
expect_status "edit of ansible's file, EDITOR=true" 0 $?
expect_same "ansible's bytes kept" edit_ansible.before edit_ansible

cp c12_dev edited
EDITOR="$work/editor.sh --append" "$cairn" vault edit --vault-id dev@pw_dev edited 2>err
expect_status "edit with an editor that changes the file" 0 $?
expect_header "edit keeps the vault id" '$ANSIBLE_VAULT;1.2;AES256;dev' edited
{ cat plain_text; printf 'added: line\n'; } >edited.want
av view --vault-id dev@pw_dev edited >edited.out 2>/dev/null
expect_same "ansible sees the edit" edited.want edited.out
read -r temp_path temp_mode dir_mode <"$EDITOR_LOG"
[[ "$temp_mode" == 600 && "$dir_mode" == 700 ]] && pass "temp file 600 in a 700 dir" ||
  fail "temp file $temp_mode, dir $dir_mode"
[[ ! -e "$temp_path" && -z "$(ls -A tmp)" ]] && pass "temp file and dir removed" ||
  fail "plaintext left behind: $(ls -A tmp)"

cp c12_dev kept && cp kept kept.before
EDITOR=false "$cairn" vault edit --vault-id dev@pw_dev kept 2>err
expect_status "an editor that fails" 1 $?
expect_same "leaves the file unchanged" kept.before kept
[[ -z "$(ls -A tmp)" ]] && pass "temp removed after a failed editor" ||
  fail "plaintext left behind after a failed editor"

: >"$EDITOR_LOG"
EDITOR="$work/editor.sh" "$cairn" vault edit --vault-id dev@pw_new kept 2>err
expect_status "edit with the wrong password" 1 $?
expect_same "file unchanged" kept.before kept
[[ ! -s "$EDITOR_LOG" ]] && pass "the editor never ran" || fail "the editor ran"

EDITOR="$work/editor.sh" "$cairn" vault edit --vault-id new@pw_new brand_new 2>err
expect_status "edit creates a new file" 0 $?
expect_header "new file under the given id" '$ANSIBLE_VAULT;1.2;AES256;new' brand_new
av view --vault-id new@pw_new brand_new >brand_new.out 2>/dev/null
expect_same "ansible opens the new file" <(printf 'added: line\n') brand_new.out
"$cairn" vault create --vault-id new@pw_new brand_new 2>err
expect_status "create refuses an existing file" 1 $?

# --- rekey ----------------------------------------------------------------

cp c11_plain_text rekeyed
"$cairn" vault rekey --vault-password-file pw_default \
  --new-vault-password-file pw_new rekeyed 2>err
expect_status "rekey" 0 $?
av view --vault-password-file pw_new rekeyed >rekeyed.out 2>/dev/null
expect_same "ansible opens it with the new password" plain_text rekeyed.out
av view --vault-password-file pw_default rekeyed >/dev/null 2>&1
expect_status "and not with the old one" 1 $?
"$cairn" vault rekey --vault-password-file pw_new --new-vault-id prod@pw_prod \
  rekeyed 2>err
expect_status "rekey to a new vault id" 0 $?
expect_header "rekeyed header names prod" '$ANSIBLE_VAULT;1.2;AES256;prod' rekeyed
cp rekeyed rekeyed.before
"$cairn" vault rekey --vault-password-file pw_new --new-vault-password-file \
  pw_default rekeyed 2>err
expect_status "rekey with the wrong old password" 1 $?
expect_same "leaves the file unchanged" rekeyed.before rekeyed
expect_no_secrets "rekey error without secrets" err

# --- password sources -----------------------------------------------------

printf '#!/bin/sh\necho "dev password"\n' >pw_script && chmod +x pw_script
"$cairn" vault view --vault-password-file ./pw_script c12_dev >script.out 2>err
expect_status "an executable password file runs" 0 $?
expect_same "and its output is the password" plain_text script.out
cat >vault-pass-client.sh <<'SH'
#!/bin/sh
[ "$1" = --vault-id ] && [ "$2" = prod ] && { printf 'prod-P\303\244ssw\303\266rd\n'; exit 0; }
exit 2
SH
chmod +x vault-pass-client.sh
"$cairn" vault view --vault-id prod@./vault-pass-client.sh c12_prod >client.out 2>err
expect_status "a -client script is given the vault id" 0 $?
expect_same "and answers for it" plain_binary client.out
"$cairn" vault view --vault-id dev@./vault-pass-client.sh c12_dev 2>err
expect_status "a -client script without that id" 2 $?
expect_grep "says so" 'did not find a secret for vault-id=dev' err

CAIRN_VAULT_PASSWORD='dev password' "$cairn" vault view c12_dev >env.out 2>err
expect_status "CAIRN_VAULT_PASSWORD" 0 $?
expect_same "opens the file" plain_text env.out
cp plain_text env_enc
CAIRN_VAULT_PASSWORD='dev password' "$cairn" vault encrypt env_enc 2>err
av view --vault-password-file pw_dev env_enc >env_enc.out 2>/dev/null
expect_same "encrypts for ansible" plain_text env_enc.out
CAIRN_VAULT_PASSWORD='wrong' "$cairn" vault view --vault-password-file pw_dev \
  c12_dev >/dev/null 2>err
expect_status "a password file takes precedence over the environment" 0 $?

"$cairn" vault view --vault-password-file missing_pw c12_dev 2>err
expect_status "a missing password file" 2 $?
expect_grep "is named" 'missing_pw' err
setsid -w "$cairn" vault view c12_dev </dev/null >/dev/null 2>err
expect_status "no password and no terminal" 2 $?
expect_grep "says how to give one" 'no terminal.*--vault-password-file' err
"$cairn" vault view --vault-id 'a;b@pw_dev' c12_dev 2>err
expect_status "';' in a vault id" 2 $?

# Prompts on a terminal (a pseudo-terminal here): the password is read with
# echo off, and a new one is asked for twice.
cat >pty_run.py <<'PY'
import os, pty, select, sys, time
# pty_run.py OUT ANSWER... -- COMMAND...: answers each prompt in turn.
out_path = sys.argv[1]
sep = sys.argv.index('--')
answers, command = sys.argv[2:sep], sys.argv[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(command[0], command)
seen, deadline = b'', time.time() + 30
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    if answers and seen.rstrip().endswith(b':'):
        time.sleep(0.1)
        os.write(fd, answers.pop(0).encode() + b'\n')
        seen += b'<answered>'
_, status = os.waitpid(pid, 0)
open(out_path, 'wb').write(seen)
sys.exit(os.waitstatus_to_exitcode(status))
PY
python3 pty_run.py tty.out 'dev password' -- "$cairn" vault view --ask-vault-pass \
  "$work/c12_dev"
expect_status "--ask-vault-pass" 0 $?
expect_grep "asks 'Vault password:'" '^Vault password: ' tty.out
expect_grep "prints the plaintext" "$marker" tty.out
python3 pty_run.py tty.out 'wrong' 'dev password' -- "$cairn" vault view \
  --vault-id prod@prompt --vault-id dev@prompt "$work/c12_dev"
expect_status "two --vault-id ID@prompt" 0 $?
expect_grep "names the id" 'Vault password \(dev\): ' tty.out
grep -aF 'dev password' tty.out >/dev/null && fail "password echoed" || pass "password not echoed"
cp plain_text prompted
python3 pty_run.py tty.out 'brand new pw' 'brand new pw' -- "$cairn" vault \
  encrypt --vault-id team@prompt "$work/prompted"
expect_status "encrypt asks for a new password twice" 0 $?
expect_grep "and confirms it" 'Confirm new vault password \(team\): ' tty.out
printf 'brand new pw\n' >pw_brand
av view --vault-id team@pw_brand prompted >prompted.out 2>/dev/null
expect_same "ansible opens the prompted file" plain_text prompted.out
cp plain_text prompted2
python3 pty_run.py tty.out 'one' 'two' -- "$cairn" vault encrypt --ask-vault-pass \
  "$work/prompted2"
expect_status "mismatched confirmation" 2 $?
expect_grep "says so" 'do not match' tty.out
expect_same "file untouched" plain_text prompted2

# --- failures: clear, exit 1, nothing changed, nothing leaked -------------

check_failure() {  # name file pattern [flags...]
  local name="$1" file="$2" pattern="$3"
  shift 3
  cp "$file" before
  "$cairn" vault decrypt "$@" "$file" >out 2>err
  expect_status "$name: exit 1" 1 $?
  expect_grep "$name: clear message" "$pattern" err
  expect_same "$name: file unchanged" before "$file"
  expect_no_secrets "$name: no secret in stderr" err
  expect_no_secrets "$name: no secret on stdout" out
  [[ -z "$(ls -A . | grep cairn-tmp)" ]] && pass "$name: no temp file left" ||
    fail "$name: temp file left"
}
cp c11_plain_text wrong_pw
check_failure "wrong password" wrong_pw 'HMAC mismatch' --vault-password-file pw_new
cp c12_dev wrong_ids
check_failure "no id opens it" wrong_ids 'HMAC mismatch.*tried 2 passwords' \
  --vault-id dev@pw_new --vault-id prod@pw_prod
head -c 200 c11_plain_text >truncated
check_failure "truncated file" truncated 'truncated|line|HMAC' --vault-password-file pw_default
python3 - c11_plain_text flipped <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
i = data.index(b'\n') + 150  # a hex digit in the body
data[i] = ord('0') if data[i] != ord('0') else ord('1')
open(sys.argv[2], 'wb').write(data)
PY
check_failure "flipped byte" flipped 'corrupted|HMAC mismatch' --vault-password-file pw_default
# One changed ciphertext byte, the encoding still valid: only the HMAC tells.
python3 - c11_plain_text altered <<'PY'
import binascii, sys
lines = open(sys.argv[1]).read().split('\n')
salt, mac, ct = binascii.unhexlify(''.join(lines[1:])).split(b'\n')
ct = bytearray(ct)
ct[0] = ord('0') if ct[0] != ord('0') else ord('1')
body = binascii.hexlify(b'\n'.join([salt, mac, bytes(ct)])).decode()
rows = [body[i:i + 80] for i in range(0, len(body), 80)]
open(sys.argv[2], 'w').write('\n'.join([lines[0]] + rows) + '\n')
PY
check_failure "altered ciphertext" altered 'HMAC mismatch' --vault-password-file pw_default
cp plain_text not_vault
check_failure "not a vault file" not_vault 'not vault-encrypted' --vault-password-file pw_default
"$cairn" vault view --vault-password-file pw_default does_not_exist 2>err
expect_status "a missing file" 2 $?
"$cairn" vault bogus 2>err
expect_status "an unknown subcommand" 2 $?
"$cairn" vault view --output x c12_dev 2>err
expect_status "a flag the subcommand does not take" 2 $?
"$cairn" vault help >out
expect_status "cairn vault help" 0 $?

echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]]
