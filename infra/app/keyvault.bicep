// Key Vault for Cx's secrets: the token signing keys and the bootstrap admin password. The
// function app reads them through Key Vault references (app settings of the form
// @Microsoft.KeyVault(VaultName=...;SecretName=...)) resolved by the platform with the app's
// user-assigned identity. The secrets themselves are created by the azd postprovision hook
// (infra/hooks/), never by a deployment, so no secret value passes through ARM.
//
// Authorization is Azure RBAC only (no access policies): rbac.bicep grants Key Vault Secrets
// User to the app's identity and Key Vault Secrets Officer to the deploying principal. Soft
// delete and purge protection are on: a deleted secret or vault can be recovered, and nobody
// can purge it before the retention period ends. Key Vault accepts TLS 1.2 or later only; that
// is enforced by the service (the resource has no TLS setting).
//
// Public network access stays enabled: a Flex Consumption app without virtual network
// integration resolves Key Vault references over the vault's public endpoint, from outbound
// addresses that are not fixed, so neither an IP rule nor a private endpoint would let it in.
// Every request still needs an Entra token with a data role on this vault.

@description('Name of the vault (3-24 letters, digits and hyphens, starting with a letter).')
@minLength(3)
@maxLength(24)
param name string

@description('Region of the vault.')
param location string

@description('Tags for the vault.')
param tags { *: string }

@description('Days a deleted vault or secret stays recoverable (and its name reserved). Fixed once the vault exists.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Log Analytics workspace that receives the vault\'s audit logs and metrics; empty for none.')
param logAnalyticsWorkspaceId string = ''

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    accessPolicies: []
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

// Audit: every secret read (SecretGet, by the platform for the app's identity) and every write
// is logged in the AuditEvent category.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  scope: vault
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
