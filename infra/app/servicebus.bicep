// Service Bus namespace for work queues (Entra ID only, TLS 1.2). Queues are declared by the
// capabilities that use them (queueNames); the app's identity is Data Owner, so it can also
// manage its own entities.

@description('Name of the namespace (6-50 letters, digits and hyphens, starting with a letter).')
@minLength(6)
@maxLength(50)
param name string

@description('Region of the namespace.')
param location string

@description('Tags for the namespace.')
param tags { *: string }

@description('Queues to create.')
param queueNames string[] = []

@description('Work queues of the Cx queue port (Cx:Queues:Provider=ServiceBus): sessions carry the per-key order, duplicate detection makes an enqueue idempotent by message id, and Cx counts the attempts itself (its retry policy dead-letters), so the delivery count limit is high.')
param workQueueNames string[] = []

@description('Tier of the namespace (Standard adds topics; Premium adds isolation and VNet).')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param skuName string = 'Standard'

@description('Log Analytics workspace that receives the namespace logs and metrics; empty for none.')
param logAnalyticsWorkspaceId string = ''

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = [
  for queueName in queueNames: {
    parent: namespace
    name: queueName
    properties: {
      maxDeliveryCount: 10
      deadLetteringOnMessageExpiration: true
      lockDuration: 'PT1M'
    }
  }
]

resource workQueues 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = [
  for queueName in workQueueNames: {
    parent: namespace
    name: queueName
    properties: {
      requiresSession: true
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: 'P1D'
      maxDeliveryCount: 100
      deadLetteringOnMessageExpiration: true
      lockDuration: 'PT1M'
    }
  }
]

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
