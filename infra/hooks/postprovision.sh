#!/bin/sh
# azd postprovision hook (azure.yaml): creates Cx's secrets in the environment's Key Vault when
# they do not exist yet.
#   - every signing key named in CX_SIGNING_KEY_SECRET_NAMES (a main.bicep output): a new EC
#     P-256 private key, PKCS#8 PEM, which the app reads as Cx__Auth__SigningKeys__N__PrivateKeyPem;
#   - CX_BOOTSTRAP_ADMIN_SECRET_NAME (set only when CX_ADMIN_EMAIL is): a random password for the
#     bootstrap admin account, shown once to the operator.
# An existing secret is never overwritten and a private key is never printed. Secret values go to
# az through files in a private temporary folder, never on a command line.
# Needs the Azure CLI (logged in as the deploying principal, which holds Key Vault Secrets
# Officer on the vault) and openssl. Run it again at any time: `azd hooks run postprovision`.
# Names given in the environment win over azd's values, so a secret can be created before the app
# setting that references it (key rotation, docs/operations.md):
#   CX_SIGNING_KEY_SECRET_NAMES=cx-signing-key-2 sh infra/hooks/postprovision.sh
set -eu

say() { printf 'postprovision: %s\n' "$*"; }
fail() {
  printf 'postprovision: ERROR: %s\n' "$*" >&2
  exit 1
}

command -v az >/dev/null 2>&1 ||
  fail "the Azure CLI (az) is required: install it (https://aka.ms/azure-cli), run 'az login', then 'azd hooks run postprovision'"
command -v openssl >/dev/null 2>&1 ||
  fail "openssl is required to generate the token signing key: install it, then run 'azd hooks run postprovision'"

# azd passes its environment's values to hooks; when the script is run by hand, ask azd.
value() {
  v=$(printenv "$1" || true)
  if [ -z "$v" ] && command -v azd >/dev/null 2>&1; then
    v=$(azd env get-value "$1" 2>/dev/null || true)
  fi
  printf '%s' "$v"
}

vault=$(value AZURE_KEY_VAULT_NAME)
signing_keys=$(value CX_SIGNING_KEY_SECRET_NAMES)
admin_secret=$(value CX_BOOTSTRAP_ADMIN_SECRET_NAME)
admin_email=$(value CX_ADMIN_EMAIL)
[ -n "$vault" ] || fail "AZURE_KEY_VAULT_NAME is not set: run 'azd provision' first"
[ -n "$signing_keys" ] || fail "CX_SIGNING_KEY_SECRET_NAMES is not set: run 'azd provision' first"

az account show --output none 2>/dev/null ||
  fail "the Azure CLI is not logged in: run 'az login' (as the account azd deploys with), then 'azd hooks run postprovision'"

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# Whether a secret exists: "present" or "absent". Retries while the deployer's role assignment is
# still propagating (a few minutes after the first provision); fails on any other error.
secret_state() {
  attempt=1
  while :; do
    if az keyvault secret show --vault-name "$vault" --name "$1" --query id --output tsv >/dev/null 2>"$work/error"; then
      echo present
      return 0
    fi
    if grep -q 'SecretNotFound' "$work/error"; then
      echo absent
      return 0
    fi
    if grep -Eqi 'Forbidden|not authorized' "$work/error" && [ "$attempt" -lt 10 ]; then
      printf 'postprovision: no access to %s yet (role assignments take a few minutes); retrying in 30 s\n' "$vault" >&2
      attempt=$((attempt + 1))
      sleep 30
      continue
    fi
    cat "$work/error" >&2
    printf 'postprovision: ERROR: cannot read secret %s in %s (see above)\n' "$1" "$vault" >&2
    return 1
  done
}

# Stores the file $2 as secret $1 with content type $3. A name that is deleted but recoverable
# (soft delete) cannot be set again: say how to recover it instead.
store_secret() {
  if az keyvault secret set --vault-name "$vault" --name "$1" --file "$2" --encoding utf-8 \
    --content-type "$3" --output none 2>"$work/error"; then
    return 0
  fi
  if grep -Eqi 'ObjectIsDeletedButRecoverable|deleted but recoverable' "$work/error"; then
    fail "secret $1 was deleted and is still recoverable (purge protection is on). Recover it with 'az keyvault secret recover --vault-name $vault --name $1', or rename the secret in infra/main.bicep"
  fi
  cat "$work/error" >&2
  fail "could not create secret $1 in $vault (see above)"
}

created=0

old_ifs=$IFS
IFS=','
# Word splitting on commas is intended here.
# shellcheck disable=SC2086
set -- $signing_keys
IFS=$old_ifs
for name in "$@"; do
  state=$(secret_state "$name") || exit 1
  if [ "$state" = present ]; then
    say "signing key $name exists in $vault; left unchanged"
    continue
  fi
  pem="$work/signing-key.pem"
  openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$pem" ||
    fail "openssl could not generate an EC P-256 key"
  if ! grep -q -- '-----BEGIN PRIVATE KEY-----' "$pem" || ! openssl pkey -in "$pem" -noout 2>/dev/null; then
    fail "openssl did not produce a PKCS#8 private key"
  fi
  store_secret "$name" "$pem" application/x-pem-file
  rm -f "$pem"
  created=1
  say "signing key $name created in $vault (EC P-256, PKCS#8 PEM; not shown)"
done

if [ -n "$admin_secret" ]; then
  state=$(secret_state "$admin_secret") || exit 1
  if [ "$state" = present ]; then
    say "bootstrap admin password $admin_secret exists in $vault; left unchanged"
  else
    # 33 random bytes: 44 characters, URL-safe alphabet, no padding.
    password=$(openssl rand -base64 33 | tr -d '\n' | tr '+/' '-_')
    [ "${#password}" -eq 44 ] || fail "openssl could not generate a password"
    printf '%s' "$password" >"$work/password"
    store_secret "$admin_secret" "$work/password" text/plain
    rm -f "$work/password"
    created=1
    say "bootstrap admin password $admin_secret created in $vault"
    if [ -t 1 ]; then
      cat <<EOF

  Bootstrap admin account: ${admin_email:-<CX_ADMIN_EMAIL>}
  Password:                $password

  This is the only time the password is shown. Store it in a password manager now. Once the
  app has created the account (Cx:Auth:Bootstrap), sign in (POST /api/v1/auth/token), change
  the password (PUT /api/v1/accounts/{id}/password) and stop bootstrapping:
  'azd env set CX_ADMIN_EMAIL ""' and 'azd provision' (docs/operations.md, First admin).

EOF
    else
      say "the password is not printed because the output is not a terminal (CI logs keep it); read it once with:"
      say "  az keyvault secret show --vault-name $vault --name $admin_secret --query value --output tsv"
    fi
    unset password
  fi
fi

# App settings that reference a secret created just now resolve at once only when asked to
# (otherwise within 24 hours). Best effort: the secrets are stored either way.
if [ "$created" -eq 1 ]; then
  subscription=$(value AZURE_SUBSCRIPTION_ID)
  group=$(value AZURE_RESOURCE_GROUP)
  app=$(value SERVICE_API_NAME)
  if [ -n "$subscription" ] && [ -n "$group" ] && [ -n "$app" ] &&
    az rest --method post --output none \
      --url "/subscriptions/$subscription/resourceGroups/$group/providers/Microsoft.Web/sites/$app/config/configreferences/appsettings/refresh?api-version=2022-03-01" \
      2>"$work/error"; then
    say "asked $app to resolve its Key Vault references again"
  else
    say "WARNING: could not ask $app to resolve its Key Vault references again; they resolve within 24 hours or at the next change of an app setting"
  fi
fi
say "done"
