// Flex Consumption Function App (Linux, Node 22). The deployment package lives in a blob
// container reached with the user-assigned identity; the host's own storage and App
// Insights use that identity too, so no key or connection string is stored anywhere.
param name string
param planName string
param location string
param tags object = {}
param identityId string
param identityClientId string
param storageAccountName string
param storageBlobEndpoint string
@description('Queue service URI of the account the app sends work to (its queue triggers read it).')
param storageQueueEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string
@description('ResetReady settings (shared/config.ts), name to value.')
param productSettings object
param maximumInstanceCount int = 40
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

// Host settings: identity-based AzureWebJobsStorage and Entra-authenticated telemetry.
// Flex Consumption refuses FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION here:
// the runtime is set in functionAppConfig.runtime instead.
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // The app's storage client uses DefaultAzureCredential without options: with only a
  // user-assigned identity on the site, this variable tells it which one to use.
  AZURE_CLIENT_ID: identityClientId
  // The queue triggers' identity-based connection (functions/queues.ts QUEUE_CONNECTION).
  // Learn, "Azure Queue storage trigger", identity-based connections: <CONNECTION>__queueServiceUri,
  // with __credential and __clientId for a user-assigned identity.
  RESETREADY_QUEUES__queueServiceUri: storageQueueEndpoint
  RESETREADY_QUEUES__credential: 'managedidentity'
  RESETREADY_QUEUES__clientId: identityClientId
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [for setting in items(union(hostSettings, productSettings)): {
        name: setting.key
        value: string(setting.value)
      }]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Basic-auth publishing off: azd deploys with Entra ID.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: { allow: false }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: { allow: false }
}

output id string = functionApp.id
output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
