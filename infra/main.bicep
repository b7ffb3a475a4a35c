// ResetReady on Azure: Flex Consumption Function App (Node 22) with a user-assigned managed
// identity, storage (tables + blobs, no shared keys), Application Insights on Log Analytics,
// Microsoft Graph application permissions and the OpenDeviceAlerts alert rule.
// Deploy with `azd up` (azure.yaml) or `az deployment sub create` (docs/deploy.md).
targetScope = 'subscription'

// ---------------------------------------------------------------- naming and placement
@minLength(1)
@maxLength(64)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region (must offer Flex Consumption).')
param location string

@description('Resource group name; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Function App name; default func-resetready-<token>.')
param functionAppName string = ''

@description('Storage account name (3-24 lower-case letters/digits); default stresetready<token>.')
param storageAccountName string = ''

// ---------------------------------------------------------------- ResetReady settings
@description('TABLE_PREFIX: prefix of every table name.')
param tablePrefix string = 'rr'

@allowed(['graph', 'certificate-only'])
@description('TRUST_MODE: certificate-only skips the Entra device check (pilot only; reports flagged unverified).')
param trustMode string = 'graph'

@description('GRAPH_BASE_URL: Microsoft Graph origin of the tenant\'s cloud; the token scope and authority follow it. Default: the Graph of the cloud you deploy to (environment().graph: graph.microsoft.com, graph.microsoft.us, microsoftgraph.chinacloudapi.cn). US Government DoD (L5) tenants set https://dod-graph.microsoft.us.')
param graphBaseUrl string = environment().graph

@description('GRAPH_MAX_CONCURRENCY: Graph requests in flight.')
param graphMaxConcurrency int = 8

@description('GRAPH_MAX_RETRIES: retries of one Graph request.')
param graphMaxRetries int = 6

@description('TIMESTAMP_WINDOW_SECONDS: accepted device clock skew, each way.')
param timestampWindowSeconds int = 300

@description('DAILY_UPLOAD_LIMIT: accepted uploads per device per UTC day.')
param dailyUploadLimit int = 24

@description('DEVICE_CACHE_SECONDS: cache time of a found Entra device record.')
param deviceCacheSeconds int = 300

@description('DEVICE_NEGATIVE_CACHE_SECONDS: cache time of a "device not found" answer.')
param deviceNegativeCacheSeconds int = 60

@description('COLLECT_SCHEDULE: NCRONTAB (6 fields) of the inventory collection.')
param collectSchedule string = '0 0 */6 * * *'

@description('COLLECT_LEASE_SECONDS: collection lease length.')
param collectLeaseSeconds int = 1800

@description('REMEDIATION_SCRIPT_ID: id of the Detect-CanReset Remediation to read (optional).')
param remediationScriptId string = ''

@description('STALE_DAYS: a device whose newest report is older than this is stale.')
param staleDays int = 7

@description('SNAPSHOT_RETENTION_DAYS: daily summary snapshots kept for trends.')
param snapshotRetentionDays int = 400

@description('REPORT_SCHEDULE: NCRONTAB (6 fields, UTC) of the weekly report.')
param reportSchedule string = '0 0 7 * * 1'

@description('REPORT_MAIL_SENDER: mailbox the report and alert digests are sent from (empty: no mail).')
param reportMailSender string = ''

@description('REPORT_MAIL_RECIPIENTS: comma-separated recipients.')
param reportMailRecipients string = ''

@secure()
@description('TEAMS_WEBHOOK_URL: Teams Workflows webhook for the report card and alert digests (empty: none).')
param teamsWebhookUrl string = ''

@description('REPORT_CONTAINER: blob container of the report history.')
param reportContainer string = 'reports'

@description('ALERT_DESTRUCTIVE_DAYS: days a targeted device may stay destructiveOnly before an alert opens.')
param alertDestructiveDays int = 7

@description('ALERT_RENOTIFY_DAYS: days between notifications of an open alert.')
param alertRenotifyDays int = 7

@description('ALERT_SILENCE_HOURS: hours without any report before a tenant alert opens.')
param alertSilenceHours int = 48

// ---------------------------------------------------------------- Graph permissions
@description('Grant the Graph app roles in this deployment (needs a Graph admin deployer); false = run infra/scripts/grant-graph-permissions.sh.')
param grantGraphPermissions bool = true

@description('Also grant Mail.Send (weekly report by mail).')
param grantMailSend bool = false

// ---------------------------------------------------------------- console sign-in
@description('Sign people in to the console with Entra ID (App Service Authentication, an app registration with the ResetReady.Reader/Admin roles); needs a deployer who can create app registrations. false = the console refuses everyone.')
param enableConsoleSignIn bool = true

// ---------------------------------------------------------------- scale and alerting
@description('Flex Consumption: upper bound of instances.')
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
@description('Flex Consumption: memory per instance.')
param instanceMemoryMB int = 2048

@description('Alert when OpenDeviceAlerts is above this.')
param alertThreshold int = 0

@allowed([0, 1, 2, 3, 4])
@description('Severity of the OpenDeviceAlerts alert.')
param alertSeverity int = 2

@description('E-mail for the alert action group; empty = no notification.')
param alertEmail string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName, application: 'resetready' }
var appName = !empty(functionAppName) ? functionAppName : 'func-resetready-${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 8)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-resetready-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: !empty(storageAccountName) ? storageAccountName : take('stresetready${resourceToken}', 24)
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-resetready-${resourceToken}'
    applicationInsightsName: 'appi-resetready-${resourceToken}'
    location: location
    tags: tags
  }
}

module roleAssignments 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: identity.outputs.principalId
  }
}

// Every setting shared/config.ts reads (SETTING_NAMES), name to value; the infra
// consistency test fails when one is missing. Settings for local runs only are set
// empty on purpose, so the list stays complete and an empty value means "not used here".
var productSettings = {
  // Storage: managed identity + data-plane roles, never a connection string.
  STORAGE_CONNECTION_STRING: ''
  STORAGE_ACCOUNT_NAME: storage.outputs.name
  STORAGE_TABLE_ENDPOINT: 'https://${storage.outputs.name}.table.${environment().suffixes.storage}'
  // The queues the app sends to; the queue triggers read the same ones (RESETREADY_QUEUES__*).
  STORAGE_QUEUE_ENDPOINT: storage.outputs.queueEndpoint
  TABLE_PREFIX: tablePrefix
  // Graph: the user-assigned identity (GRAPH_CLIENT_ID) with the app roles below.
  GRAPH_BASE_URL: graphBaseUrl
  GRAPH_ACCESS_TOKEN: ''
  GRAPH_TENANT_ID: tenant().tenantId
  GRAPH_CLIENT_ID: identity.outputs.clientId
  GRAPH_CLIENT_SECRET: ''
  GRAPH_CLIENT_CERTIFICATE_PATH: ''
  GRAPH_MAX_CONCURRENCY: string(graphMaxConcurrency)
  GRAPH_MAX_RETRIES: string(graphMaxRetries)
  // Upload trust (agent protocol v1).
  TRUST_MODE: trustMode
  TIMESTAMP_WINDOW_SECONDS: string(timestampWindowSeconds)
  DAILY_UPLOAD_LIMIT: string(dailyUploadLimit)
  DEVICE_CACHE_SECONDS: string(deviceCacheSeconds)
  DEVICE_NEGATIVE_CACHE_SECONDS: string(deviceNegativeCacheSeconds)
  // Collection.
  COLLECT_SCHEDULE: collectSchedule
  REMEDIATION_SCRIPT_ID: remediationScriptId
  COLLECT_LEASE_SECONDS: string(collectLeaseSeconds)
  // Posture, weekly report and alerts.
  STALE_DAYS: string(staleDays)
  SNAPSHOT_RETENTION_DAYS: string(snapshotRetentionDays)
  REPORT_SCHEDULE: reportSchedule
  REPORT_MAIL_SENDER: reportMailSender
  REPORT_MAIL_RECIPIENTS: reportMailRecipients
  TEAMS_WEBHOOK_URL: teamsWebhookUrl
  // The console's report page: it opens after Entra ID sign-in, with no key in the link.
  REPORT_LINK_URL: 'https://${appName}.azurewebsites.net/api/console/report'
  STORAGE_BLOB_ENDPOINT: storage.outputs.blobEndpoint
  REPORT_CONTAINER: reportContainer
  ALERT_DESTRUCTIVE_DAYS: string(alertDestructiveDays)
  ALERT_RENOTIFY_DAYS: string(alertRenotifyDays)
  ALERT_SILENCE_HOURS: string(alertSilenceHours)
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  // The app believes App Service Authentication's principal header only when this says it is there.
  CONSOLE_AUTH: enableConsoleSignIn ? 'app-service' : 'off'
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: appName
    planName: 'plan-resetready-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    productSettings: productSettings
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The host reads its storage with the identity at start: roles first.
  dependsOn: [roleAssignments]
}

module graphPermissions 'modules/graph-permissions.bicep' = if (grantGraphPermissions) {
  name: 'graph-permissions'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    grantMailSend: grantMailSend
  }
}

module consoleAuth 'modules/console-auth.bicep' = if (enableConsoleSignIn) {
  name: 'console-auth'
  scope: rg
  params: {
    functionAppName: functionApp.outputs.name
    hostName: functionApp.outputs.defaultHostName
    appRegistrationName: 'resetready-console-${resourceToken}'
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    name: 'alert-resetready-open-device-alerts-${resourceToken}'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    threshold: alertThreshold
    severity: alertSeverity
    notificationEmail: alertEmail
  }
}

// azd stores these in the environment (.azure/<env>/.env); docs/deploy.md uses them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output RESETREADY_REPORTS_URL string = 'https://${functionApp.outputs.defaultHostName}/api/reports'
output RESETREADY_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output RESETREADY_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output RESETREADY_STORAGE_ACCOUNT string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output RESETREADY_CONSOLE_URL string = 'https://${functionApp.outputs.defaultHostName}/api/console'
output RESETREADY_CONSOLE_APP_ID string = enableConsoleSignIn ? consoleAuth.outputs.clientId : ''
output RESETREADY_CONSOLE_SP_ID string = enableConsoleSignIn ? consoleAuth.outputs.servicePrincipalId : ''
