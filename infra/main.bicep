// Cx on Azure, for the Azure Developer CLI (`azd up`): one resource group holding a Flex
// Consumption function app and the services it uses, all reached with one user-assigned
// managed identity. Local (key) authentication is disabled on every data service.
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
  'uniques'
  'leases'
]
var eventHubName = 'events'
var dataContainerNames = [
  'events-archive'
  'exports'
  'eventhub-checkpoints'
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
  ]
}

// Identity-based connection settings, in the Functions host's format: <Name>__<property>,
// plus __credential and __clientId to select the user-assigned identity.
var identityClientId = identity.outputs.clientId
var appSettings = {
  Cx__Storage__Provider: 'Cosmos'
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
}

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
    appSettings: appSettings
    alwaysReadyInstanceCount: apiAlwaysReadyInstanceCount
    maximumInstanceCount: apiMaximumInstanceCount
  }
  // The host starts as soon as the app exists: let it find its storage and its roles in place.
  dependsOn: [
    hostStorage
    monitoring
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
