// Serverless.Store in one resource group: a Flex Consumption Function App (the store), its Storage
// account (Functions runtime, Durable Task hub, snapshots), Azure SignalR Service (pub/sub to
// browsers), Application Insights on Log Analytics, one user-assigned identity and its roles.
// Deploy with `azd up` (azure.yaml at the repository root) or `az deployment group create`.
// The structure follows Azure-Samples/functions-quickstart-dotnet-azd, with plain resources instead
// of registry modules so the template builds offline (the CI check compiles it without a network).
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Environment name (azd: AZURE_ENV_NAME); every resource name is derived from it.')
param environmentName string

@minLength(1)
@description('Region of every resource; Flex Consumption must be offered there.')
@metadata({ azd: { type: 'location' } })
param location string = resourceGroup().location

@secure()
@minLength(16)
@description('STORE_TOKEN: the bearer token that grants every command.')
@metadata({ azd: { type: 'generate', config: { length: 40, noSpecial: true } } })
param storeToken string

@secure()
@minLength(16)
@description('STORE_READONLY_TOKEN: the bearer token that grants read commands only.')
@metadata({ azd: { type: 'generate', config: { length: 40, noSpecial: true } } })
param storeReadOnlyToken string

@description('TtlSweepSchedule (NCRONTAB): the sweep that deletes expired keys missed by their own expiry signal. Each run wakes the app.')
param ttlSweepSchedule string = '0 */5 * * * *'

@description('EntityCleanupSchedule (NCRONTAB): removes the storage rows of deleted and expired keys once the 30-minute message-reorder window has passed.')
param entityCleanupSchedule string = '0 */30 * * * *'

@description('SnapshotSchedule (NCRONTAB): when the timer writes an RDB snapshot to the snapshots container.')
param snapshotSchedule string = '0 0 * * * *'

@minValue(1)
@description('SnapshotRetention: how many snapshots are kept.')
param snapshotRetention int = 24

@description('SignalRHub: the SignalR hub that carries pub/sub messages.')
param signalRHub string = 'store'

@description('NotifyKeyspaceEvents: Redis notify-keyspace-events flag letters; empty turns keyspace events off.')
param notifyKeyspaceEvents string = ''

@allowed(['Free_F1', 'Standard_S1', 'Premium_P1'])
@description('SignalR Service SKU. Free_F1: no cost, 20 connections, 20,000 messages a day, one per subscription.')
param signalRSku string = 'Free_F1'

@allowed([512, 2048, 4096])
@description('Memory of each Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Most instances the app scales out to (caps the cost of a traffic burst).')
param maximumInstanceCount int = 100

@minValue(0)
@maxValue(10)
@description('Always-ready instances for the HTTP triggers and for the Durable Task work (entities), each: no cold start, billed every second whether used or not (docs/deploy.md, Cold start). 0: off, the app scales to zero.')
param alwaysReadyInstances int = 0

@description('Optional: an Entra object id (azd: AZURE_PRINCIPAL_ID, the signed-in user) given Storage Blob Data Contributor, to download or upload snapshots. Empty: none.')
param principalId string = ''

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var names = {
  identity: 'id-store-${resourceToken}'
  plan: 'plan-store-${resourceToken}'
  functionApp: 'func-store-${resourceToken}'
  storage: 'ststore${resourceToken}'
  signalR: 'sigr-store-${resourceToken}'
  logAnalytics: 'log-store-${resourceToken}'
  appInsights: 'appi-store-${resourceToken}'
}

// The app's one identity: storage, Application Insights and the deployment package are reached with it.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.identity
  location: location
  tags: tags
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    identityPrincipalId: identity.properties.principalId
    userPrincipalId: principalId
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.id
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${storage.outputs.deploymentContainer}'
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyInstances: alwaysReadyInstances
  }
}

// SignalR needs the app's host name (upstream) and the app's settings need SignalR's key, so the
// settings are a module of their own that runs after both.
module signalR 'app/signalr.bicep' = {
  name: 'signalr'
  params: {
    name: names.signalR
    location: location
    tags: tags
    sku: signalRSku
    hubName: signalRHub
    appHostName: api.outputs.defaultHostName
  }
}

module settings 'app/settings.bicep' = {
  name: 'settings'
  params: {
    functionAppName: api.outputs.name
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    signalRName: signalR.outputs.name
    identityClientId: identity.properties.clientId
    storeToken: storeToken
    storeReadOnlyToken: storeReadOnlyToken
    ttlSweepSchedule: ttlSweepSchedule
    entityCleanupSchedule: entityCleanupSchedule
    snapshotSchedule: snapshotSchedule
    snapshotRetention: snapshotRetention
    signalRHub: signalRHub
    notifyKeyspaceEvents: notifyKeyspaceEvents
  }
  // The app starts once it has its settings: let it find its storage roles in place.
  dependsOn: [rbac]
}

// No secrets here: azd copies outputs into .azure/<env>/.env.
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output STORE_URL string = 'https://${api.outputs.defaultHostName}/api'
output STORE_NEGOTIATE_URL string = 'https://${api.outputs.defaultHostName}/api/negotiate'
