// Data-plane roles for the app's managed identity, scoped to the one storage account and
// the one Application Insights component (never the resource group).
param storageAccountName string
param applicationInsightsName string
param principalId string

// Built-in role definition ids (stable across tenants).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}
// Blob Data Owner: the Functions host (AzureWebJobsStorage: leases, deployment package).
// Table Data Contributor: our repositories.
// Queue Data Contributor: the host's internal queues, and our work queues: the app creates them
// on first use and sends to them, the queue triggers read, delete and move failed messages to
// `<queue>-poison` (Learn lists Queue Data Reader + Message Processor for a trigger and
// Contributor or Message Sender for sending; Contributor covers all of it on this one account,
// including creating the queues, which Message Processor/Sender cannot).
var storageRoles = [roles.storageBlobDataOwner, roles.storageTableDataContributor, roles.storageQueueDataContributor]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoles: {
    name: guid(storage.id, principalId, roleId)
    scope: storage
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

// Entra-authenticated telemetry ingestion (App Insights local auth is off).
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}
