#!/usr/bin/env bash
# minisign_interop.sh - docseal keys work with stock tools, independently of
# docseal's own signing code:
#   * `docseal keygen` writes a PKCS#8 key that stock OpenSSL reads (plain,
#     and scrypt-encrypted with the passphrase), a .pub in minisign's format
#     whose key id is BLAKE2b-512("docseal key id" || pk) (checked with b2sum);
#   * a minisign signature built from that key with only openssl + b2sum +
#     base64 (the format of docseal-formats(5)) is accepted by the real
#     minisign, and tampering with it is not;
#   * the checked-in fixtures (signatures made by docseal and by minisign 0.11)
#     verify with minisign;
#   * keygen's refusals and exit statuses; no half key pair after I/O faults.
# Env: DOCSEAL (the built CLI), DS_SOURCE_DIR, optional DS_FAULTSHIM.
set -euo pipefail

: "${DOCSEAL:?path of the docseal binary}"
: "${DS_SOURCE_DIR:?source directory}"
fx=$DS_SOURCE_DIR/fixtures/keys
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
unset DOCSEAL_PASSPHRASE XDG_CONFIG_HOME
export HOME=$tmp/home

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
ok() { echo "ok - $*"; }
for tool in minisign openssl b2sum base64 xxd; do
    command -v "$tool" >/dev/null || fail "$tool is not installed"
done

# b64 LINE -> raw bytes on stdout
b64dec() { printf '%s' "$1" | base64 -d; }
# Ed25519 signature (64 raw bytes) of file $2 with PEM key $1
ed_sign() { openssl pkeyutl -sign -rawin -inkey "$1" -in "$2"; }
# A .minisig for message $1 with key $2 (PEM) and key id file $3, trusted
# comment $4, algorithm $5 (ED or Ed), built with stock tools only.
make_minisig() {
    local msg=$1 key=$2 idf=$3 tc=$4 alg=$5
    if [ "$alg" = ED ]; then
        b2sum -l 512 "$msg" | cut -d' ' -f1 | xxd -r -p >"$tmp/tbs"
    else
        cp "$msg" "$tmp/tbs"
    fi
    ed_sign "$key" "$tmp/tbs" >"$tmp/sig.bin"
    { printf '%s' "$tc"; } >"$tmp/tc.bin"
    cat "$tmp/sig.bin" "$tmp/tc.bin" >"$tmp/global.tbs"
    ed_sign "$key" "$tmp/global.tbs" >"$tmp/global.bin"
    printf 'untrusted comment: made with openssl\n'
    { printf '%s' "$alg"; cat "$idf" "$tmp/sig.bin"; } | base64 -w0
    printf '\ntrusted comment: %s\n' "$tc"
    base64 -w0 <"$tmp/global.bin"
    printf '\n'
}

# --- 1. keygen: files, modes, output ---------------------------------------
out=$("$DOCSEAL" keygen -o "$tmp/k/docseal.key" --no-passphrase </dev/null)
id=$(sed -n 's/^key id: //p' <<<"$out")
[ "$(printf '%s\n' "$out" | head -2)" = "secret key: $tmp/k/docseal.key
public key: $tmp/k/docseal.key.pub" ] || fail "keygen output: $out"
[[ $id =~ ^[0-9A-F]{16}$ ]] || fail "key id '$id'"
[ "$(stat -c %a "$tmp/k/docseal.key")" = 600 ] || fail "secret key mode"
[ "$(stat -c %a "$tmp/k/docseal.key.pub")" = 644 ] || fail "public key mode"
[ "$(stat -c %a "$tmp/k")" = 700 ] || fail "new key directory mode"
[ "$(head -1 k/docseal.key.pub)" = "untrusted comment: minisign public key $id" ] ||
    fail "pub comment"
[ "$(wc -l <k/docseal.key.pub)" = 2 ] || fail "pub has 2 lines"
ok "keygen writes a 0600 key, a 0644 .pub, a 0700 directory"

# --- 2. stock OpenSSL reads the key; the .pub and key id are what the spec says
openssl pkey -in k/docseal.key -noout || fail "openssl cannot read our PEM"
openssl pkey -in k/docseal.key -pubout -outform DER | tail -c 32 >pk.bin
{ printf 'docseal key id'; cat pk.bin; } | b2sum -l 512 | cut -c1-16 | xxd -r -p >id.bin
# display: little-endian, so the bytes reversed
want_id=$(xxd -p id.bin | fold -w2 | tac | tr -d '\n' | tr a-f A-F)
[ "$want_id" = "$id" ] || fail "key id $id, BLAKE2b-512 derivation gives $want_id"
{ printf 'Ed'; cat id.bin pk.bin; } | base64 -w0 >pub.line
[ "$(cat pub.line)" = "$(sed -n 2p k/docseal.key.pub)" ] || fail ".pub line differs"
ok "key id = BLAKE2b-512(\"docseal key id\" || pk)[0..8], .pub = base64(Ed||id||pk)"

# --- 3. minisign accepts a signature built with stock tools from our key ----
printf 'hello from docseal\n' >msg.txt
make_minisig msg.txt k/docseal.key id.bin 'timestamp:1700000000	file:msg.txt' ED >msg.txt.minisig
res=$(minisign -Vm msg.txt -p k/docseal.key.pub -x msg.txt.minisig)
[ "$res" = "Signature and comment signature verified
Trusted comment: timestamp:1700000000	file:msg.txt" ] || fail "minisign said: $res"
make_minisig msg.txt k/docseal.key id.bin 'legacy' Ed >msg.legacy.minisig
minisign -Vm msg.txt -p k/docseal.key.pub -x msg.legacy.minisig -q || fail "legacy Ed"
ok "minisign verifies ED and Ed signatures made from our key files"

printf 'hello from docseaL\n' >msg.txt
if minisign -Vm msg.txt -p k/docseal.key.pub -x msg.txt.minisig -q 2>/dev/null; then
    fail "minisign accepted a tampered message"
fi
printf 'hello from docseal\n' >msg.txt
sed '3s/1700000000/1700000001/' msg.txt.minisig >bad.minisig
if minisign -Vm msg.txt -p k/docseal.key.pub -x bad.minisig -q 2>/dev/null; then
    fail "minisign accepted an edited trusted comment"
fi
ok "minisign rejects a tampered message and trusted comment"

# --- 4. fixtures -------------------------------------------------------------
minisign -Vm "$fx/message.txt" -p "$fx/rfc8032-1.key.pub" -x "$fx/message.txt.docseal.minisig" -q ||
    fail "fixture signed by docseal"
minisign -Vm "$fx/message.txt" -p "$fx/minisign.pub" -x "$fx/message.txt.minisig" -q ||
    fail "fixture signed by minisign"
minisign -Vm "$fx/message.txt" -p "$fx/minisign.pub" -x "$fx/message.txt.legacy.minisig" -q ||
    fail "legacy fixture signed by minisign"
# the docseal fixture's signature line is what stock tools compute
cp "$fx/rfc8032-1.key" fx.key
chmod 600 fx.key
b64dec "$(sed -n 2p "$fx/rfc8032-1.key.pub")" | head -c 10 | tail -c 8 >fxid.bin
make_minisig "$fx/message.txt" fx.key fxid.bin 'timestamp:1700000000	file:message.txt	hashed' ED |
    sed -n '2,4p' >fx.lines
[ "$(cat fx.lines)" = "$(sed -n '2,4p' "$fx/message.txt.docseal.minisig")" ] ||
    fail "docseal fixture differs from the stock-tool signature"
ok "fixtures verify with minisign; docseal's fixture equals the stock-tool signature"

# --- 5. encrypted keys -------------------------------------------------------
printf 'pass phrase\n' >pass
"$DOCSEAL" keygen -o enc.key --passphrase-file pass >/dev/null
head -1 enc.key | grep -qx -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' || fail "not encrypted"
openssl asn1parse -in enc.key | grep -q ':scrypt' || fail "KDF is not scrypt"
openssl asn1parse -in enc.key | grep -q ':aes-256-cbc' || fail "cipher is not AES-256-CBC"
openssl pkey -in enc.key -passin 'pass:pass phrase' -noout || fail "openssl cannot decrypt"
if openssl pkey -in enc.key -passin 'pass:pass phrasE' -noout 2>/dev/null; then
    fail "openssl decrypted with a wrong passphrase"
fi
DOCSEAL_PASSPHRASE='env phrase' "$DOCSEAL" keygen -o env.key </dev/null >/dev/null
openssl pkey -in env.key -passin 'pass:env phrase' -noout || fail "DOCSEAL_PASSPHRASE not used"
ok "encrypted keys are PBES2/scrypt/AES-256-CBC that openssl decrypts"

# --- 6. refusals and exit statuses --------------------------------------------
set +e
err=$("$DOCSEAL" keygen -o "$tmp/k/docseal.key" --no-passphrase 2>&1 >/dev/null)
rc=$?
set -e
[ $rc = 2 ] || fail "overwrite: exit $rc"
[ "$err" = "docseal: $tmp/k/docseal.key: already exists (use --force to replace it)" ] ||
    fail "overwrite message: $err"
[ "$(sed -n 2p k/docseal.key.pub)" = "$(cat pub.line)" ] || fail "the key pair changed"
"$DOCSEAL" keygen -o "$tmp/k/docseal.key" --no-passphrase --force >/dev/null
[ "$(sed -n 2p k/docseal.key.pub)" != "$(cat pub.line)" ] || fail "--force kept the old key"
set +e
"$DOCSEAL" keygen stray >/dev/null 2>&1
rc=$?
set -e
[ $rc = 2 ] || fail "stray argument: exit $rc"
"$DOCSEAL" keygen --no-passphrase </dev/null >/dev/null
[ -f "$HOME/.config/docseal/docseal.key" ] || fail "default path under HOME"
[ "$(stat -c %a "$HOME/.config/docseal")" = 700 ] || fail "default directory mode"
ok "keygen refuses to overwrite (exit 2), --force replaces, default path is ~/.config/docseal"

# --- 7. I/O faults never leave half a key pair --------------------------------
if [ -n "${DS_FAULTSHIM:-}" ] && [ -f "$DS_FAULTSHIM" ]; then
    mkdir -p "$tmp/f"
    n=1
    while :; do
        rm -rf "$tmp/f/keys"
        set +e
        DS_FAULT_DIR=$(cd "$tmp/f" && pwd -P) DS_FAULT_AT=$n LD_PRELOAD=$DS_FAULTSHIM \
            DS_FAULT_COUNT_FILE=$tmp/count ASAN_OPTIONS=verify_asan_link_order=0 \
            "$DOCSEAL" keygen -o "$tmp/f/keys/x.key" --no-passphrase </dev/null >/dev/null 2>"$tmp/ferr"
        rc=$?
        set -e
        calls=$(cat "$tmp/count" 2>/dev/null || echo 0)
        if [ $rc = 0 ]; then
            [ -s "$tmp/f/keys/x.key" ] && [ -s "$tmp/f/keys/x.key.pub" ] ||
                fail "fault $n: success without both files"
        else
            [ $rc = 2 ] || fail "fault $n: exit $rc"
            grep -q '^docseal: ' "$tmp/ferr" || fail "fault $n: no message"
            [ ! -e "$tmp/f/keys/x.key" ] || fail "fault $n: secret key left behind"
            [ ! -e "$tmp/f/keys/x.key.pub" ] || fail "fault $n: public key left behind"
        fi
        if ls "$tmp/f/keys" 2>/dev/null | grep -q '\.tmp\.'; then
            fail "fault $n: temporary file left behind"
        fi
        if [ "$n" -gt "$calls" ]; then
            [ $rc = 0 ] || fail "no fault fired but keygen failed"
            break
        fi
        n=$((n + 1))
        [ $n -le 50 ] || fail "fault loop does not end"
    done
    ok "keygen under each of $((n - 1)) injected I/O faults: exit 2, nothing left behind"
else
    echo "skip - fault injection (DS_FAULTSHIM not set)"
fi

echo "all minisign interop checks passed"
