// Event Hubs namespace (Entra ID only, TLS 1.2) with the hub that carries behavioural events.
// Consumers use the $Default consumer group; checkpoints live in the data storage account.

@description('Name of the namespace (6-50 letters, digits and hyphens, starting with a letter).')
@minLength(6)
@maxLength(50)
param name string

@description('Region of the namespace.')
param location string

@description('Tags for the namespace.')
param tags { *: string }

@description('Name of the event hub (Cx__Events__EventHubs__HubName).')
param hubName string

@description('Partitions of the hub: the upper bound of parallel consumers. Fixed once created (Standard tier).')
@minValue(1)
@maxValue(32)
param partitionCount int = 4

@description('Days events stay in the hub (Standard tier: 1-7).')
@minValue(1)
@maxValue(7)
param messageRetentionInDays int = 1

@description('Tier of the namespace.')
@allowed([
  'Standard'
  'Premium'
])
param skuName string = 'Standard'

@description('Throughput units (Standard) or processing units (Premium).')
@minValue(1)
param capacity int = 1

@description('Log Analytics workspace that receives the namespace logs and metrics; empty for none.')
param logAnalyticsWorkspaceId string = ''

resource namespace 'Microsoft.EventHub/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
    capacity: capacity
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    isAutoInflateEnabled: false
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2026-01-01' = {
  parent: namespace
  name: hubName
  properties: {
    partitionCount: partitionCount
    messageRetentionInDays: messageRetentionInDays
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  scope: namespace
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

output name string = namespace.name
// serviceBusEndpoint is https://<namespace>.<cloud suffix>:443/ : keep the host name only.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
output hubName string = hub.name
