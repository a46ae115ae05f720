# azd postprovision hook for Windows (azure.yaml), the twin of postprovision.sh: creates Cx's
# secrets in the environment's Key Vault when they do not exist yet.
#   - every signing key named in CX_SIGNING_KEY_SECRET_NAMES (a main.bicep output): a new EC
#     P-256 private key, PKCS#8 PEM, which the app reads as Cx__Auth__SigningKeys__N__PrivateKeyPem;
#   - CX_BOOTSTRAP_ADMIN_SECRET_NAME (set only when CX_ADMIN_EMAIL is): a random password for the
#     bootstrap admin account, shown once to the operator.
# An existing secret is never overwritten and a private key is never printed. Secret values go to
# az through files in a private temporary folder, never on a command line.
# Needs PowerShell 7.4 or later (the key is generated with .NET, so openssl is not needed here)
# and the Azure CLI, logged in as the deploying principal (Key Vault Secrets Officer on the
# vault). Run it again at any time: `azd hooks run postprovision`.
# Names given in the environment win over azd's values, so a secret can be created before the app
# setting that references it (key rotation, docs/operations.md):
#   $env:CX_SIGNING_KEY_SECRET_NAMES = 'cx-signing-key-2'; ./infra/hooks/postprovision.ps1
#Requires -Version 7.4
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Say([string] $message) { Write-Host "postprovision: $message" }
function Fail([string] $message) {
    [Console]::Error.WriteLine("postprovision: ERROR: $message")
    exit 1
}

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Fail "the Azure CLI (az) is required: install it (https://aka.ms/azure-cli), run 'az login', then 'azd hooks run postprovision'"
}

# azd passes its environment's values to hooks; when the script is run by hand, ask azd.
function Get-Value([string] $name) {
    $value = [Environment]::GetEnvironmentVariable($name)
    if (-not $value -and (Get-Command azd -ErrorAction SilentlyContinue)) {
        $value = (& azd env get-value $name 2>$null)
        if ($LASTEXITCODE -ne 0) { $value = '' }
    }
    return [string] $value
}

$vault = Get-Value 'AZURE_KEY_VAULT_NAME'
$signingKeys = Get-Value 'CX_SIGNING_KEY_SECRET_NAMES'
$adminSecret = Get-Value 'CX_BOOTSTRAP_ADMIN_SECRET_NAME'
$adminEmail = Get-Value 'CX_ADMIN_EMAIL'
if (-not $vault) { Fail "AZURE_KEY_VAULT_NAME is not set: run 'azd provision' first" }
if (-not $signingKeys) { Fail "CX_SIGNING_KEY_SECRET_NAMES is not set: run 'azd provision' first" }

& az account show --output none 2>$null
if ($LASTEXITCODE -ne 0) {
    Fail "the Azure CLI is not logged in: run 'az login' (as the account azd deploys with), then 'azd hooks run postprovision'"
}

$work = Join-Path ([IO.Path]::GetTempPath()) ("cx-postprovision-" + [Guid]::NewGuid().ToString('N'))
$workItem = New-Item -ItemType Directory -Path $work
if (-not $IsWindows) {
    # Windows: the user's temporary folder is private already.
    $workItem.UnixFileMode = [IO.UnixFileMode]'UserRead, UserWrite, UserExecute'
}
$errorFile = Join-Path $work 'error'

# Whether a secret exists. Retries while the deployer's role assignment is still propagating (a
# few minutes after the first provision); fails on any other error.
function Test-Secret([string] $name) {
    for ($attempt = 1; ; $attempt++) {
        & az keyvault secret show --vault-name $vault --name $name --query id --output tsv 2>$errorFile | Out-Null
        if ($LASTEXITCODE -eq 0) { return $true }
        $errorText = Get-Content -Raw -Path $errorFile
        if ($errorText -match 'SecretNotFound') { return $false }
        if ($errorText -match 'Forbidden|not authorized' -and $attempt -lt 10) {
            Say "no access to $vault yet (role assignments take a few minutes); retrying in 30 s"
            Start-Sleep -Seconds 30
            continue
        }
        [Console]::Error.WriteLine($errorText)
        Fail "cannot read secret $name in $vault (see above)"
    }
}

# Stores the file $path as secret $name. A name that is deleted but recoverable (soft delete)
# cannot be set again: say how to recover it instead.
function Set-Secret([string] $name, [string] $path, [string] $contentType) {
    & az keyvault secret set --vault-name $vault --name $name --file $path --encoding utf-8 `
        --content-type $contentType --output none 2>$errorFile
    if ($LASTEXITCODE -eq 0) { return }
    $errorText = Get-Content -Raw -Path $errorFile
    if ($errorText -match 'ObjectIsDeletedButRecoverable|deleted but recoverable') {
        Fail "secret $name was deleted and is still recoverable (purge protection is on). Recover it with 'az keyvault secret recover --vault-name $vault --name $name', or rename the secret in infra/main.bicep"
    }
    [Console]::Error.WriteLine($errorText)
    Fail "could not create secret $name in $vault (see above)"
}

$created = $false
try {
    foreach ($name in ($signingKeys -split ',' | Where-Object { $_ })) {
        if (Test-Secret $name) {
            Say "signing key $name exists in $vault; left unchanged"
            continue
        }
        $pem = Join-Path $work 'signing-key.pem'
        $key = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        try {
            [IO.File]::WriteAllText($pem, $key.ExportPkcs8PrivateKeyPem() + "`n")
        }
        finally {
            $key.Dispose()
        }
        Set-Secret $name $pem 'application/x-pem-file'
        Remove-Item -Force $pem
        $created = $true
        Say "signing key $name created in $vault (EC P-256, PKCS#8 PEM; not shown)"
    }

    if ($adminSecret) {
        if (Test-Secret $adminSecret) {
            Say "bootstrap admin password $adminSecret exists in $vault; left unchanged"
        }
        else {
            # 33 random bytes: 44 characters, URL-safe alphabet, no padding.
            $password = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(33)).Replace('+', '-').Replace('/', '_')
            $passwordFile = Join-Path $work 'password'
            [IO.File]::WriteAllText($passwordFile, $password)
            Set-Secret $adminSecret $passwordFile 'text/plain'
            Remove-Item -Force $passwordFile
            $created = $true
            Say "bootstrap admin password $adminSecret created in $vault"
            if (-not [Console]::IsOutputRedirected) {
                $account = if ($adminEmail) { $adminEmail } else { '<CX_ADMIN_EMAIL>' }
                Write-Host ''
                Write-Host "  Bootstrap admin account: $account"
                Write-Host "  Password:                $password"
                Write-Host ''
                Write-Host '  This is the only time the password is shown. Store it in a password manager now. Once the'
                Write-Host '  app has created the account (Cx:Auth:Bootstrap), sign in (POST /api/v1/auth/token), change'
                Write-Host '  the password (PUT /api/v1/accounts/{id}/password) and stop bootstrapping:'
                Write-Host "  'azd env set CX_ADMIN_EMAIL `"`"' and 'azd provision' (docs/operations.md, First admin)."
                Write-Host ''
            }
            else {
                Say 'the password is not printed because the output is not a terminal (CI logs keep it); read it once with:'
                Say "  az keyvault secret show --vault-name $vault --name $adminSecret --query value --output tsv"
            }
            Remove-Variable password
        }
    }

    # App settings that reference a secret created just now resolve at once only when asked to
    # (otherwise within 24 hours). Best effort: the secrets are stored either way.
    if ($created) {
        $subscription = Get-Value 'AZURE_SUBSCRIPTION_ID'
        $group = Get-Value 'AZURE_RESOURCE_GROUP'
        $app = Get-Value 'SERVICE_API_NAME'
        $refreshed = $false
        if ($subscription -and $group -and $app) {
            & az rest --method post --output none `
                --url "/subscriptions/$subscription/resourceGroups/$group/providers/Microsoft.Web/sites/$app/config/configreferences/appsettings/refresh?api-version=2022-03-01" `
                2>$errorFile
            $refreshed = $LASTEXITCODE -eq 0
        }
        if ($refreshed) {
            Say "asked $app to resolve its Key Vault references again"
        }
        else {
            Say "WARNING: could not ask $app to resolve its Key Vault references again; they resolve within 24 hours or at the next change of an app setting"
        }
    }
    Say 'done'
}
finally {
    Remove-Item -Recurse -Force -Path $work -ErrorAction SilentlyContinue
}
