// Azure SignalR Service in Serverless mode: the app negotiates client connections and sends
// messages over the service's REST API. Access keys are disabled, so the app authenticates
// with its managed identity (SignalR App Server, granted in rbac.bicep).

@description('Name of the service (3-63 letters, digits and hyphens).')
@minLength(3)
@maxLength(63)
param name string

@description('Region of the service.')
param location string

@description('Tags for the service.')
param tags { *: string }

@description('Pricing tier. Free_F1 is limited to one per subscription and 20 concurrent connections.')
@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
param skuName string = 'Standard_S1'

@description('Units of the service (1 for Free_F1).')
@minValue(1)
param capacity int = 1

@description('Origins browsers may connect from.')
param allowedOrigins string[] = [
  '*'
]

@description('Log Analytics workspace that receives the service logs and metrics; empty for none.')
param logAnalyticsWorkspaceId string = ''

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: skuName
    capacity: capacity
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Serverless'
      }
      {
        flag: 'EnableConnectivityLogs'
        value: 'True'
      }
      {
        flag: 'EnableMessagingLogs'
        value: 'False'
      }
    ]
    cors: {
      allowedOrigins: allowedOrigins
    }
    disableLocalAuth: true
    disableAadAuth: false
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  scope: signalR
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

output name string = signalR.name
output endpoint string = 'https://${signalR.properties.hostName}'
