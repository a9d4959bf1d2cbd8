#!/bin/bash
# The real output of docs/attest.md "EK certificates" and "Reboots and rollbacks": a swtpm
# manufactured by swtpm_setup + swtpm_localca (config in a temp dir), model A booted on it by
# supplyguard-gen, enrol with good and bad CAs, a reboot, an old quote, a certificate of another
# key, a TPM without certificates. Needs swtpm, swtpm-tools, tpm2-tools, openssl, jq; uses
# loopback ports 24571-24572 and 24581-24582. Usage: BUILD=build scripts/attest-tpm-doc.sh
B=${BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
B=$(realpath "$B")
export PATH=$B/tools/supplyguard:$B/tools/supplyguard-gen:$PATH
W=$(mktemp -d); cd "$W"
mkdir -p state ca
cat > localca.conf <<EOC
statedir = $W/ca
signingkey = $W/ca/signkey.pem
issuercert = $W/ca/issuercert.pem
certserial = $W/ca/certserial
EOC
printf -- '--platform-manufacturer supplyguard-test\n--platform-version 2.1\n--platform-model swtpm\n' > localca.options
printf 'create_certs_tool = /usr/bin/swtpm_localca\ncreate_certs_tool_config = %s\ncreate_certs_tool_options = %s\nactive_pcr_banks = sha1,sha256\n' $W/localca.conf $W/localca.options > setup.conf
p() { echo "\$ $*"; eval "$@" 2>&1; rc=$?; [ $rc -ne 0 ] && echo "(exit code $rc)"; return 0; }
p swtpm_setup --tpm2 --tpmstate state --config setup.conf --create-ek-cert --write-ek-cert-files . '| grep -E "EK|NVRAM"'
swtpm socket --tpm2 --server type=tcp,port=24571,bindaddr=127.0.0.1 --ctrl type=tcp,port=24572,bindaddr=127.0.0.1 --tpmstate dir=$W/state --flags startup-clear & SW=$!
sleep 1
T=swtpm:host=127.0.0.1,port=24571
cat ca/swtpm-localca-rootca-cert.pem ca/issuercert.pem > vendor-ca.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=other-tpm-vendor-root -keyout other.key -out other-ca.pem 2>/dev/null
p supplyguard-gen host --model A --seed 2 --hostname web-01 --address 10.0.1.11 --ima --tpm $T -o web-01
p supplyguard enroll --tpm $T --root web-01 --ak-registry aks --ek-ca other-ca.pem
p supplyguard enroll --tpm $T --root web-01 --ak-registry aks --ek-ca ca/swtpm-localca-rootca-cert.pem
p supplyguard enroll --tpm $T --root web-01 --ak-registry aks --ek-ca ca/swtpm-localca-rootca-cert.pem --ek-intermediates ca/issuercert.pem
p supplyguard enroll --tpm $T --root web-01 --ak-registry aks-tofu
p supplyguard enroll --tpm $T --root web-01 --ak-registry aks --ek-ca vendor-ca.pem
p jq -c . aks/web-01.json '| cut -c1-400'
p supplyguard snapshot --root web-01 --tpm $T --nonce 9f2c61d0a4b7e3f8 -o s1.json
supplyguard baseline keygen -o g.key >/dev/null 2>&1
p supplyguard baseline create s1.json -o golden.json --key g.key
p supplyguard --format table verify s1.json --baseline golden.json --pubkey g.key.pub --ak-registry aks --nonce 9f2c61d0a4b7e3f8 --fail-on info
p cat aks/quote-state/web-01.json
p supplyguard-gen host --model A --seed 2 --hostname web-01 --address 10.0.1.11 --ima --tpm $T -o web-01-reboot '  # the host reboots'
p supplyguard snapshot --root web-01 --tpm $T --nonce 51d3e2a90b0c7714 -o s2.json
cp -r aks aks-copy
p supplyguard --format table verify s2.json --baseline golden.json --pubkey g.key.pub --ak-registry aks --nonce 51d3e2a90b0c7714 --fail-on high
p supplyguard verify s2.json --baseline golden.json --pubkey g.key.pub --ak-registry aks-copy --nonce 51d3e2a90b0c7714 "| jq -c '{type,severity,before,after,evidence}'"
p supplyguard --format table verify s1.json --baseline golden.json --pubkey g.key.pub --ak-registry aks --fail-on high '   # the old quote again'
# Certificate of another key in the RSA index (the TPM's own P-384 certificate: genuine chain)
export TPM2TOOLS_TCTI=$T
tpm2_nvundefine -C p 0x01c00002 >/dev/null
tpm2_nvdefine -C p -s $(stat -c %s ek-secp384r1.crt) -a 'ppwrite|ppread|ownerread|authread|no_da|platformcreate' 0x01c00002 >/dev/null
tpm2_nvwrite -C p -i ek-secp384r1.crt 0x01c00002
p supplyguard enroll --tpm $T --root web-01 --ak-registry aks2 --ek-ca vendor-ca.pem
kill $SW; wait $SW 2>/dev/null
# A TPM without EK certificates
mkdir plain; swtpm socket --tpm2 --server type=tcp,port=24581,bindaddr=127.0.0.1 --ctrl type=tcp,port=24582,bindaddr=127.0.0.1 --tpmstate dir=$W/plain --flags startup-clear & SW=$!
sleep 1
p supplyguard enroll --tpm swtpm:host=127.0.0.1,port=24581 --root web-01 --ak-registry aks3 --ek-ca vendor-ca.pem
p supplyguard enroll --tpm swtpm:host=127.0.0.1,port=24581 --root web-01 --ak-registry aks3
kill $SW; wait $SW 2>/dev/null
cd / && rm -rf "$W"
