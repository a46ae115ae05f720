// Cx on Azure, for the Azure Developer CLI (`azd up`): one resource group holding a Flex
// Consumption function app and the services it uses, all reached with one user-assigned
// managed identity. Local (key) authentication is disabled on every data service; the app's
// own secrets (token signing keys, bootstrap admin password) live in Key Vault and reach it as
// Key Vault references.
// Modules are local (infra/app/): public registry modules are not used.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer Flex Consumption and Cosmos DB serverless.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user or service principal (azd sets it); granted the app\'s data roles for local debugging. Empty for none.')
param principalId string = ''

@description('Kind of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Function app instances kept warm for HTTP (0 scales to zero; 1 or more avoids cold starts).')
@minValue(0)
@maxValue(20)
param apiAlwaysReadyInstanceCount int = 0

@description('Upper bound of function app instances.')
@minValue(1)
@maxValue(1000)
param apiMaximumInstanceCount int = 100

@description('SignalR Service tier (Free_F1: one per subscription, 20 connections).')
@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
param signalRSku string = 'Standard_S1'

@description('E-mail of the admin account created at start-up when missing (Cx__Auth__Bootstrap__AdminEmail); its password is the Key Vault secret cx-bootstrap-admin-password, created by the postprovision hook. Empty: no bootstrap admin.')
param adminEmail string = ''

@description('Browser origins allowed to call the API, comma-separated (for example https://app.example.com,https://admin.example.com): Cx__Auth__AllowedOrigins__N and the function app\'s CORS. Empty allows none.')
param allowedOrigins string = ''

@description('The iss of the tokens Cx issues (Cx__Auth__Issuer). Empty: the function app\'s URL. Changing it invalidates every access token in flight.')
param authIssuer string = ''

@description('Days a deleted Key Vault or secret stays recoverable; purge protection keeps the vault name reserved that long. Fixed once the vault exists.')
@minValue(7)
@maxValue(90)
param keyVaultRetentionDays int = 90

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

// Names the app reads (docs/configuration.md).
var cosmosDatabaseName = 'cx'
var cosmosContainerNames = [
  'definitions'
  'customers'
  'content'
  'identity'
  'audit'
  'memberships'
  'dead-letters'
  'webhook-deliveries'
  'notifications'
  'uniques'
  'leases'
  'realtime'
]
var eventHubName = 'events'
var dataContainerNames = [
  'events-archive'
  'exports'
  'eventhubs-checkpoints'
]
var deploymentContainerName = 'app-package-api'

// Resource names, known before deployment (modules that reference a resource by name get the
// name from here, not from another module's output, so what-if can predict them).
var names = {
  identity: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: '${abbrs.insightsComponents}${resourceToken}'
  hostStorage: '${abbrs.storageStorageAccounts}${resourceToken}'
  dataStorage: '${abbrs.storageStorageAccounts}data${resourceToken}'
  cosmos: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
  eventHubs: '${abbrs.eventHubNamespaces}${resourceToken}'
  serviceBus: '${abbrs.serviceBusNamespaces}${resourceToken}'
  signalR: '${abbrs.signalRServiceSignalR}${resourceToken}'
  keyVault: '${abbrs.keyVaultVaults}${resourceToken}'
  plan: '${abbrs.webServerFarms}${resourceToken}'
  api: '${abbrs.webSitesFunctions}api-${resourceToken}'
}

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// Diagnostic settings of the data services send their logs and metrics here.
var logAnalyticsWorkspaceId = resourceId(
  subscription().subscriptionId,
  rg.name,
  'Microsoft.OperationalInsights/workspaces',
  names.logAnalytics
)

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

// The Functions host's storage (AzureWebJobsStorage) and the deployment package container.
module hostStorage 'app/storage.bicep' = {
  name: 'hostStorage'
  scope: rg
  params: {
    name: names.hostStorage
    location: location
    tags: tags
    containerNames: [
      deploymentContainerName
    ]
  }
}

// Cx's own blobs: raw event archives, exports, Event Hubs checkpoints (Blobs__serviceUri).
module dataStorage 'app/storage.bicep' = {
  name: 'dataStorage'
  scope: rg
  params: {
    name: names.dataStorage
    location: location
    tags: tags
    containerNames: dataContainerNames
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
  dependsOn: [
    monitoring
  ]
}

module cosmos 'app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: names.cosmos
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    containerNames: cosmosContainerNames
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
  dependsOn: [
    monitoring
  ]
}

module eventHubs 'app/eventhubs.bicep' = {
  name: 'eventHubs'
  scope: rg
  params: {
    name: names.eventHubs
    location: location
    tags: tags
    hubName: eventHubName
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
  dependsOn: [
    monitoring
  ]
}

module serviceBus 'app/servicebus.bicep' = {
  name: 'serviceBus'
  scope: rg
  params: {
    name: names.serviceBus
    location: location
    tags: tags
    workQueueNames: [
      'webhooks'
      'notifications'
      'exports'
    ]
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
  dependsOn: [
    monitoring
  ]
}

module signalR 'app/signalr.bicep' = {
  name: 'signalR'
  scope: rg
  params: {
    name: names.signalR
    location: location
    tags: tags
    skuName: signalRSku
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
  dependsOn: [
    monitoring
  ]
}

// Secrets of the app itself. The vault is empty when provisioned: the postprovision hook
// (infra/hooks/) creates the secrets named below when they are missing.
module keyVault 'app/keyvault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultRetentionDays
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
  dependsOn: [
    monitoring
  ]
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityName: names.identity
    principalId: principalId
    principalType: principalType
    hostStorageAccountName: names.hostStorage
    dataStorageAccountName: names.dataStorage
    cosmosAccountName: names.cosmos
    eventHubsNamespaceName: names.eventHubs
    serviceBusNamespaceName: names.serviceBus
    signalRName: names.signalR
    applicationInsightsName: names.applicationInsights
    keyVaultName: names.keyVault
  }
  dependsOn: [
    identity
    monitoring
    hostStorage
    dataStorage
    cosmos
    eventHubs
    serviceBus
    signalR
    keyVault
  ]
}

// Identity-based connection settings, in the Functions host's format: <Name>__<property>,
// plus __credential and __clientId to select the user-assigned identity.
var identityClientId = identity.outputs.clientId
var appSettings = {
  Cx__Storage__Provider: 'Cosmos'
  Cx__Stream__Provider: 'EventHubs'
  Cx__Blob__Provider: 'AzureBlob'
  Cx__Queues__Provider: 'ServiceBus'
  // No Cosmos DB analytics adapter yet (docs/decisions/0101): the embedded analytics store runs
  // on the instance that hosts the Event Hubs processor. Keep one always-ready instance.
  Cx__Analytics__Provider: 'Embedded'
  Cx__Storage__Cosmos__Database: cosmos.outputs.databaseName
  CosmosDb__accountEndpoint: cosmos.outputs.endpoint
  CosmosDb__credential: 'managedidentity'
  CosmosDb__clientId: identityClientId
  EventHubs__fullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
  EventHubs__credential: 'managedidentity'
  EventHubs__clientId: identityClientId
  Cx__Events__EventHubs__HubName: eventHubs.outputs.hubName
  ServiceBus__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
  ServiceBus__credential: 'managedidentity'
  ServiceBus__clientId: identityClientId
  Blobs__serviceUri: dataStorage.outputs.blobEndpoint
  Blobs__credential: 'managedidentity'
  Blobs__clientId: identityClientId
  SignalR__endpoint: signalR.outputs.endpoint
  SignalR__credential: 'managedidentity'
  SignalR__clientId: identityClientId
  // Realtime through SignalR Service with the app's identity (AuthType=azure.msi; no access key).
  Cx__Realtime__Provider: 'SignalRService'
  Cx__Realtime__SignalR__ConnectionString: 'Endpoint=${signalR.outputs.endpoint};AuthType=azure.msi;ClientId=${identityClientId};Version=1.0;'
  // The experiment significance timer (NCRONTAB, seconds first); its trigger reads this setting.
  Cx__Experiments__SignificanceSchedule: '0 0 3 * * *'
  // The nightly store snapshot timer (docs/snapshots.md); its trigger reads this setting.
  Cx__Snapshots__Schedule: '0 0 2 * * *'
}

// Identity (docs/security.md). Tokens are signed with EC P-256 keys kept in Key Vault, one
// secret per key (PKCS#8 PEM). The last active key signs; every listed key validates.
// Rotation (docs/operations.md): create the secret cx-signing-key-2 first (the hook, with that
// name in its environment; a reference to a missing secret breaks token signing), append
// cx-signing-2 here, `azd provision`, and remove the old entry once the longest access token
// lifetime has passed.
var signingKeys = [
  {
    id: 'cx-signing-1'
    secretName: 'cx-signing-key-1'
    active: true
  }
]
var bootstrapPasswordSecretName = 'cx-bootstrap-admin-password'

// The platform resolves these with the user-assigned identity (keyVaultReferenceIdentity in
// app/api.bicep). No version: the app follows the latest version of each secret.
var keyVaultReferencePrefix = '@Microsoft.KeyVault(VaultName=${names.keyVault};SecretName='
var signingKeySettings = reduce(
  range(0, length(signingKeys)),
  {},
  (settings, i) =>
    union(settings, {
      'Cx__Auth__SigningKeys__${i}__Id': signingKeys[i].id
      'Cx__Auth__SigningKeys__${i}__PrivateKeyPem': '${keyVaultReferencePrefix}${signingKeys[i].secretName})'
      'Cx__Auth__SigningKeys__${i}__Active': signingKeys[i].active ? 'true' : 'false'
    })
)
var bootstrapSettings = empty(adminEmail)
  ? {}
  : {
      Cx__Auth__Bootstrap__AdminEmail: adminEmail
      Cx__Auth__Bootstrap__AdminPassword: '${keyVaultReferencePrefix}${bootstrapPasswordSecretName})'
    }

// Browser origins: trimmed, lower case, scheme and host only (no trailing slash or path: a
// browser's Origin header has none), duplicates and empty entries dropped. Applied twice: as
// the app's own setting and as the platform's CORS, which answers preflight requests in Azure
// (app/api.bicep).
var normalizedOrigins = union(
  map(
    filter(map(split(allowedOrigins, ','), o => toLower(trim(o))), o => !empty(o)),
    o => join(take(split(o, '/'), 3), '/')
  ),
  []
)
var originSettings = toObject(
  range(0, length(normalizedOrigins)),
  i => 'Cx__Auth__AllowedOrigins__${i}',
  i => normalizedOrigins[i]
)

var identitySettings = union(
  {
    Cx__Auth__KeyProvider: 'Configuration'
    Cx__Auth__Audience: 'cx-api'
    // Behind the Functions front end every request reaches the worker from the host: the client
    // address comes from X-Forwarded-For (rate limits per client address, audit log).
    Cx__Http__TrustForwardedFor: 'true'
  },
  signingKeySettings,
  bootstrapSettings,
  originSettings
)

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: names.api
    planName: names.plan
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.resourceId
    identityClientId: identityClientId
    hostStorageAccountName: names.hostStorage
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: names.applicationInsights
    appSettings: union(appSettings, identitySettings)
    authIssuer: authIssuer
    allowedOrigins: normalizedOrigins
    alwaysReadyInstanceCount: apiAlwaysReadyInstanceCount
    maximumInstanceCount: apiMaximumInstanceCount
  }
  // The host starts as soon as the app exists: let it find its storage, its vault and its roles
  // in place.
  dependsOn: [
    hostStorage
    monitoring
    keyVault
    rbac
  ]
}

// azd writes these to .azure/<env>/.env. The double-underscore names are the app's own
// settings in environment-variable form (configuration keys are case-insensitive), so
// `azd env get-values` can feed a local run against this environment.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
output COSMOSDB__ACCOUNTENDPOINT string = cosmos.outputs.endpoint
output CX__STORAGE__COSMOS__DATABASE string = cosmos.outputs.databaseName
output EVENTHUBS__FULLYQUALIFIEDNAMESPACE string = eventHubs.outputs.fullyQualifiedNamespace
output CX__EVENTS__EVENTHUBS__HUBNAME string = eventHubs.outputs.hubName
output SERVICEBUS__FULLYQUALIFIEDNAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output BLOBS__SERVICEURI string = dataStorage.outputs.blobEndpoint
output SIGNALR__ENDPOINT string = signalR.outputs.endpoint
// For the postprovision hook (infra/hooks/): the vault, and the secrets it must create when
// missing (names only; comma-separated; the bootstrap password only with CX_ADMIN_EMAIL).
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output CX_SIGNING_KEY_SECRET_NAMES string = join(map(signingKeys, k => k.secretName), ',')
output CX_BOOTSTRAP_ADMIN_SECRET_NAME string = empty(adminEmail) ? '' : bootstrapPasswordSecretName
