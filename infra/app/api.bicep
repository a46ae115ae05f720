// The Cx function app on the Flex Consumption plan (FC1, Linux), .NET 10 isolated worker.
// It runs as the user-assigned identity; the Functions host storage, the deployment package
// and Application Insights are all reached with that identity, never with keys.
// Flex Consumption takes the runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE must not be app settings here.
// Key Vault references in app settings are resolved with the same identity
// (keyVaultReferenceIdentity); browsers are admitted by the platform's CORS.

@description('Name of the function app.')
param name string

@description('Name of its Flex Consumption plan.')
param planName string

@description('Region of the app and plan.')
param location string

@description('Tags for the app and plan (the app also gets azd-service-name).')
param tags { *: string }

@description('The azd service this app hosts (azure.yaml).')
param serviceName string = 'api'

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (the clientId of every identity-based connection).')
param identityClientId string

@description('Name of the Functions host storage account (AzureWebJobsStorage).')
param hostStorageAccountName string

@description('Blob container of the host storage account that receives deployment packages.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('App settings of the application (merged with the host settings set here).')
param appSettings { *: string }

@description('The iss of the tokens Cx issues (Cx__Auth__Issuer); empty for the app\'s own URL.')
param authIssuer string = ''

@description('Browser origins allowed to call the API with credentials (platform CORS, which answers preflight requests); empty allows none. Scheme and host, no path, no wildcard.')
param allowedOrigins string[] = []

@description('Instances kept warm for HTTP functions (0 lets the app scale to zero).')
@minValue(0)
@maxValue(20)
param alwaysReadyInstanceCount int = 0

@description('Upper bound of instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Largest HTTP request concurrency per instance before the platform scales out.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: hostStorageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// The Functions host's own storage (triggers, timers, Durable Functions task hub), reached
// with the identity: blob, queue and table endpoints, credential and client id.
var hostSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: hostStorage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: hostStorage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: hostStorage.properties.primaryEndpoints.table
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  // Local authentication is off on the component: telemetry is sent with an Entra token.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // The identity Azure.Identity's DefaultAzureCredential/ManagedIdentityCredential pick.
  AZURE_CLIENT_ID: identityClientId
}

resource api 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    keyVaultReferenceIdentity: identityId
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // Credentialed requests (the web client's refresh-token cookie) are allowed, so the origins
      // are listed one by one: a wildcard cannot be combined with credentials.
      cors: {
        allowedOrigins: allowedOrigins
        supportCredentials: true
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyInstanceCount > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyInstanceCount
              }
            ]
          : []
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, hostSettings, {
      // The default host name is only known once the app exists, so the default issuer is set here.
      Cx__Auth__Issuer: empty(authIssuer) ? 'https://${api.properties.defaultHostName}' : authIssuer
    })
  }
}

// No publishing with user names and passwords: azd deploys with an Entra token.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: api
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: api
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = api.name
output uri string = 'https://${api.properties.defaultHostName}'
