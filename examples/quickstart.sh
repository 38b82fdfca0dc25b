#!/usr/bin/env bash
# quickstart.sh — the whole tohu flow against a running server, with curl + jq:
# create a provider, register an approved micro-credential (NZQCF level 4,
# 10 credits, two outcomes), issue an award to a learner, verify it through
# the public VC-API endpoint, revoke it, and show verification now failing
# for revocation. The last line printed is the credential's URL.
#
#   TOHU_URL             server (default http://127.0.0.1:8080)
#   TOHU_OPERATOR_TOKEN  creates the provider through POST /api/v1/providers, or
#   TOHU_ADMIN_KEY       an admin key of an existing provider (e.g. printed by
#                        `tohu provider create --name ... --slug ...`)
#   TOHU_SLUG            provider slug to create (default quickstart-<random>)
set -euo pipefail

TOHU_URL=${TOHU_URL:-http://127.0.0.1:8080}
TOHU_URL=${TOHU_URL%/}
for tool in curl jq; do
	command -v "$tool" >/dev/null || { echo "quickstart: $tool is required" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# call METHOD PATH TOKEN [JSON] — prints the response body; exits unless 2xx
# (or the status given in EXPECT).
call() {
	local method=$1 path=$2 token=$3 body=${4:-}
	local args=(-sS -X "$method" -o "$tmp/body" -w '%{http_code}' -H 'Accept: application/json')
	[ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	local code
	code=$(curl "${args[@]}" "$TOHU_URL$path")
	local ok=0
	if [ -n "${EXPECT:-}" ]; then
		[ "$code" = "$EXPECT" ] && ok=1
	else
		[[ $code == 2* ]] && ok=1
	fi
	if [ "$ok" != 1 ]; then
		echo "quickstart: $method $path answered $code:" >&2
		cat "$tmp/body" >&2; echo >&2
		exit 1
	fi
	cat "$tmp/body"
}

step() { printf '\n== %s\n' "$*" >&2; }

step "1. Provider"
if [ -n "${TOHU_ADMIN_KEY:-}" ]; then
	admin=$TOHU_ADMIN_KEY
	echo "using TOHU_ADMIN_KEY" >&2
elif [ -n "${TOHU_OPERATOR_TOKEN:-}" ]; then
	slug=${TOHU_SLUG:-quickstart-$RANDOM$RANDOM}
	created=$(call POST /api/v1/providers "$TOHU_OPERATOR_TOKEN" \
		"$(jq -n --arg slug "$slug" '{slug: $slug, name: "Te Pūkenga Quickstart", url: "https://example.ac.nz"}')")
	admin=$(jq -r .adminKey.token <<<"$created")
	jq '{slug: .provider.slug, did: .provider.did, profile: .provider.profileUrl}' <<<"$created" >&2
else
	echo "quickstart: set TOHU_OPERATOR_TOKEN (server's operator token) or TOHU_ADMIN_KEY" >&2
	echo "            (tohu provider create --name 'My PTE' --slug my-pte prints an admin key)" >&2
	exit 2
fi

step "2. An API key that may record and issue awards (assessor + approver)"
issuer=$(call POST /api/v1/api-keys "$admin" '{"name": "quickstart issuer", "roles": ["assessor", "approver"]}' | jq -r .token)

step "3. An approved micro-credential: NZQCF level 4, 10 credits, two outcomes"
achievement=$(call POST /api/v1/achievements "$admin" '{
	"title": "Kaitiakitanga o te Taiao", "titleMi": "Kaitiakitanga o te Taiao",
	"nzqaRef": "4321", "nzqaVersion": "1", "level": 4, "credits": 10,
	"aim": "Learners care for their local environment as kaitiaki.",
	"outcomes": ["Describe tikanga for environmental guardianship.", "Plan a local restoration project."],
	"nzscedCode": "050999", "developer": "Toitū te Waiora", "approvalStatus": "approved",
	"listedOn": "2025-01-01", "nextReviewOn": "2030-01-01"}')
achievement_id=$(jq -r .id <<<"$achievement")
jq '{id, version, title, level, credits}' <<<"$achievement" >&2

step "4. Issue an award to a learner (create + approve + issue in one call)"
award=$(call POST /api/v1/awards "$issuer" "$(jq -n --arg a "$achievement_id" --arg d "$(date -u +%Y-%m-%d)" '{
	achievementId: $a, learner: {name: "Aroha Ngata", email: "aroha@example.nz"},
	completedOn: $d, issue: true}')")
credential_url=$(jq -r .credentialUrl <<<"$award")
jq '{id, state, credentialUrl}' <<<"$award" >&2
credential=$(curl -sS -H 'Accept: application/vc+ld+json' "$credential_url")

step "5. Verify it through the public endpoint POST /credentials/verify"
call POST /credentials/verify "" "$(jq -n --argjson vc "$credential" '{verifiableCredential: $vc}')" |
	jq '{verified, result, summary}' >&2

step "6. Revoke it (POST /credentials/status)"
call POST /credentials/status "$issuer" "$(jq -n --arg id "$credential_url" '{credentialId: $id, reason: "quickstart demo",
	credentialStatus: [{type: "BitstringStatusListEntry", statusPurpose: "revocation", status: true}]}')" | jq . >&2

step "7. Verify again: it now fails for revocation"
result=$(EXPECT=400 call POST /credentials/verify "" "$(jq -n --argjson vc "$credential" '{verifiableCredential: $vc}')")
jq '{verified, result, summary, failed: [.errors[] | .code]}' <<<"$result" >&2
[ "$(jq -r .result <<<"$result")" = revoked ] || { echo "quickstart: expected result revoked" >&2; exit 1; }

echo "$credential_url"
