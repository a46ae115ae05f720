// Every role assignment of Cx, in one place. The app's identity gets the data-plane roles it
// needs and nothing on the control plane; the deploying principal (azd's AZURE_PRINCIPAL_ID)
// gets the same data roles, so a developer can run the app locally against this environment
// under their own Entra identity, and manages the Key Vault's secrets (the app only reads them).

@description('Name of the function app\'s user-assigned identity.')
param identityName string

@description('Principal id of the deploying user or service principal; empty to grant it nothing.')
param principalId string = ''

@description('Kind of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Functions host storage account (AzureWebJobsStorage and deployment packages).')
param hostStorageAccountName string

@description('Data storage account (archives, exports, Event Hubs checkpoints).')
param dataStorageAccountName string

@description('Cosmos DB account.')
param cosmosAccountName string

@description('Event Hubs namespace.')
param eventHubsNamespaceName string

@description('Service Bus namespace.')
param serviceBusNamespaceName string

@description('SignalR Service.')
param signalRName string

@description('Application Insights component.')
param applicationInsightsName string

@description('Key Vault holding the signing keys and the bootstrap admin password.')
param keyVaultName string

// Cosmos DB data-plane role (not an Azure RBAC role): Cosmos DB Built-in Data Contributor.
var cosmosDataContributorRoleName = '00000000-0000-0000-0000-000000000002'

// The principals to grant: the app's identity, and the deployer when principalId is set.
// Loops and assignment names must be known before the deployment runs, so each entry is keyed
// on the identity's resource id or on the principalId parameter; the identity's principal id
// (known only once it exists) is read inside the assignment.
var principals = concat(
  [
    {
      key: identity.id
      isApp: true
      type: 'ServicePrincipal'
    }
  ],
  empty(principalId)
    ? []
    : [
        {
          key: principalId
          isApp: false
          type: principalType
        }
      ]
)

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: hostStorageAccountName
}

resource dataStorage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: dataStorageAccountName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' existing = {
  name: cosmosAccountName
}

resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2025-04-15' existing = {
  parent: cosmos
  name: cosmosDataContributorRoleName
}

resource eventHubs 'Microsoft.EventHub/namespaces@2026-01-01' existing = {
  name: eventHubsNamespaceName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: serviceBusNamespaceName
}

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' existing = {
  name: signalRName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource keyVault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

// Built-in role definitions (their ids are the same in every tenant).
@description('Storage Blob Data Owner')
resource storageBlobDataOwnerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
}

@description('Storage Blob Data Contributor')
resource storageBlobDataContributorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
}

@description('Storage Queue Data Contributor')
resource storageQueueDataContributorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
}

@description('Storage Table Data Contributor')
resource storageTableDataContributorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

@description('Azure Event Hubs Data Sender')
resource eventHubsDataSenderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '2b629674-e913-4c01-ae53-ef4638d8f975'
}

@description('Azure Event Hubs Data Receiver')
resource eventHubsDataReceiverRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
}

@description('Azure Service Bus Data Owner')
resource serviceBusDataOwnerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '090c5cfd-751d-490a-894a-3ce6f1109419'
}

@description('SignalR App Server')
resource signalRAppServerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '420fcaa2-552c-430f-98ca-3264be4806c7'
}

@description('SignalR REST API Owner')
resource signalRRestApiOwnerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'fd53cd77-2268-407a-8f46-7e7863d0f521'
}

@description('Key Vault Secrets User')
resource keyVaultSecretsUserRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '4633458b-17de-408a-b874-0445c86b69e6'
}

@description('Key Vault Secrets Officer')
resource keyVaultSecretsOfficerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

@description('Monitoring Metrics Publisher')
resource monitoringMetricsPublisherRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Functions host storage: blobs (deployment package, timer and singleton leases, Durable
// Functions large messages), queues and tables (Durable Functions task hub).
resource hostBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    scope: hostStorage
    name: guid(hostStorage.id, p.key, storageBlobDataOwnerRole.id)
    properties: {
      principalId: p.isApp ? identity.properties.principalId : principalId
      principalType: p.type
      roleDefinitionId: storageBlobDataOwnerRole.id
    }
  }
]

resource hostQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    scope: hostStorage
    name: guid(hostStorage.id, p.key, storageQueueDataContributorRole.id)
    properties: {
      principalId: p.isApp ? identity.properties.principalId : principalId
      principalType: p.type
      roleDefinitionId: storageQueueDataContributorRole.id
    }
  }
]

resource hostTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    scope: hostStorage
    name: guid(hostStorage.id, p.key, storageTableDataContributorRole.id)
    properties: {
      principalId: p.isApp ? identity.properties.principalId : principalId
      principalType: p.type
      roleDefinitionId: storageTableDataContributorRole.id
    }
  }
]

// Data storage: read and write blobs in the archive, export and checkpoint containers.
resource dataBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    scope: dataStorage
    name: guid(dataStorage.id, p.key, storageBlobDataContributorRole.id)
    properties: {
      principalId: p.isApp ? identity.properties.principalId : principalId
      principalType: p.type
      roleDefinitionId: storageBlobDataContributorRole.id
    }
  }
]

// Cosmos DB: read and write items of every container (data plane only).
resource cosmosContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = [
  for p in principals: {
    parent: cosmos
    name: guid(cosmos.id, p.key, cosmosDataContributor.id)
    properties: {
      principalId: p.isApp ? identity.properties.principalId : principalId
      roleDefinitionId: cosmosDataContributor.id
      scope: cosmos.id
    }
  }
]

// Event Hubs: publish events and read them back (least privilege instead of Data Owner).
resource eventHubsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    scope: eventHubs
    name: guid(eventHubs.id, p.key, eventHubsDataSenderRole.id)
    properties: {
      principalId: p.isApp ? identity.properties.principalId : principalId
      principalType: p.type
      roleDefinitionId: eventHubsDataSenderRole.id
    }
  }
]

resource eventHubsReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    scope: eventHubs
    name: guid(eventHubs.id, p.key, eventHubsDataReceiverRole.id)
    properties: {
      principalId: p.isApp ? identity.properties.principalId : principalId
      principalType: p.type
      roleDefinitionId: eventHubsDataReceiverRole.id
    }
  }
]

// Service Bus: send, receive and manage the app's own queues.
resource serviceBusOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    scope: serviceBus
    name: guid(serviceBus.id, p.key, serviceBusDataOwnerRole.id)
    properties: {
      principalId: p.isApp ? identity.properties.principalId : principalId
      principalType: p.type
      roleDefinitionId: serviceBusDataOwnerRole.id
    }
  }
]

// SignalR Service: negotiate client connections and send messages through the REST API.
resource signalRAppServer 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    scope: signalR
    name: guid(signalR.id, p.key, signalRAppServerRole.id)
    properties: {
      principalId: p.isApp ? identity.properties.principalId : principalId
      principalType: p.type
      roleDefinitionId: signalRAppServerRole.id
    }
  }
]

// SignalR Service in serverless mode also calls the data-plane REST API (send to groups, add to
// groups, close a revoked user's connections), which App Server alone does not cover.
resource signalRRestApiOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    scope: signalR
    name: guid(signalR.id, p.key, signalRRestApiOwnerRole.id)
    properties: {
      principalId: p.isApp ? identity.properties.principalId : principalId
      principalType: p.type
      roleDefinitionId: signalRRestApiOwnerRole.id
    }
  }
]

// Application Insights: send telemetry with an Entra token (local auth is off). The app only.
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: applicationInsights
  name: guid(applicationInsights.id, identity.id, monitoringMetricsPublisherRole.id)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: monitoringMetricsPublisherRole.id
  }
}

// Key Vault: the app's identity reads secret values (the platform resolves the app's Key Vault
// references with it). Nothing else: it cannot list, write or delete secrets.
resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: keyVault
  name: guid(keyVault.id, identity.id, keyVaultSecretsUserRole.id)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: keyVaultSecretsUserRole.id
  }
}

// The deploying principal manages secrets (the postprovision hook creates the signing key and
// the bootstrap admin password; an operator rotates them). Not granted to the app.
resource keyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  scope: keyVault
  name: guid(keyVault.id, principalId, keyVaultSecretsOfficerRole.id)
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: keyVaultSecretsOfficerRole.id
  }
}
