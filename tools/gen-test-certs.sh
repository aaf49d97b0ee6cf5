#!/usr/bin/env bash
# Generate a throwaway test CA and a server certificate signed by it, for the
# fake AI provider server (tools/fakeai.py).  Usage: gen-test-certs.sh DIR
# Produces DIR/{ca.pem,ca.key,server.pem,server.key}; overwrites existing files.
# Quiet on success; openssl's output is shown only if a step fails.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
mkdir -p "$dir"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Run openssl silently, but dump its output if it fails so errors are visible.
run() {
    if ! "$@" >"$tmp/log" 2>&1; then
        echo "gen-test-certs: command failed: $*" >&2
        cat "$tmp/log" >&2
        exit 1
    fi
}

# CA extensions: Node.js and Python (OpenSSL 3, X509_V_FLAG_X509_STRICT in
# Python >= 3.13) reject CA certs without CA:TRUE/keyCertSign or without SKI.
cat >"$tmp/ca.ext" <<'EXT'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EXT

# Leaf extensions: SANs are what clients check; CN is ignored by modern TLS.
cat >"$tmp/server.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = @alt
[alt]
DNS.1 = api.openai.com
DNS.2 = api.anthropic.com
DNS.3 = generativelanguage.googleapis.com
DNS.4 = example-unrelated.test
DNS.5 = www.example.com
DNS.6 = localhost
DNS.7 = bedrock-runtime.us-east-1.amazonaws.com
DNS.8 = us-central1-aiplatform.googleapis.com
DNS.9 = tokentap-e2e.openai.azure.com
IP.1 = 127.0.0.1
EXT

# EC P-256 keys: fast to generate, accepted everywhere.
run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ca.key"
run openssl req -new -key "$tmp/ca.key" -subj "/CN=tokentap test CA" -out "$tmp/ca.csr"
run openssl x509 -req -in "$tmp/ca.csr" -signkey "$tmp/ca.key" -days 30 -sha256 \
    -extfile "$tmp/ca.ext" -out "$tmp/ca.pem"

run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/server.key"
run openssl req -new -key "$tmp/server.key" -subj "/CN=api.openai.com" -out "$tmp/server.csr"
run openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -CAserial "$tmp/ca.srl" -days 30 -sha256 \
    -extfile "$tmp/server.ext" -out "$tmp/server.pem"

# Sanity check the chain before publishing anything.
run openssl verify -CAfile "$tmp/ca.pem" "$tmp/server.pem"

# Publish; keys private, certs world-readable (test clients may run unprivileged).
install -m 0644 "$tmp/ca.pem" "$tmp/server.pem" "$dir/"
install -m 0600 "$tmp/ca.key" "$tmp/server.key" "$dir/"
