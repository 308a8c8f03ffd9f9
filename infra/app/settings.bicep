// The app settings of the store, every one read by something (tests/Serverless.Store.Infra.Tests
// checks this list against local.settings.sample.json and host.json):
// - AzureWebJobsStorage__*: the Functions runtime and the Durable Task hub (host.json
//   storageProvider.connectionName is AzureWebJobsStorage) reach storage with the managed identity;
//   the snapshot code uses the same connection. Not the connection string of local runs: shared
//   keys are off on the account.
// - APPLICATIONINSIGHTS_*: read by the Functions host; identity-based, since the component's local auth is off.
// - the store's own settings, as in local.settings.sample.json.
// FUNCTIONS_WORKER_RUNTIME is absent on purpose: Flex Consumption takes the runtime from functionAppConfig.
param functionAppName string
param storageAccountName string
param appInsightsName string
param signalRName string
param identityClientId string

@secure()
param storeToken string
@secure()
param storeReadOnlyToken string

param ttlSweepSchedule string
param entityCleanupSchedule string
param snapshotSchedule string
param snapshotRetention int
param signalRHub string
param notifyKeyspaceEvents string

resource app 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' existing = {
  name: signalRName
}

resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    STORE_TOKEN: storeToken
    STORE_READONLY_TOKEN: storeReadOnlyToken
    TtlSweepSchedule: ttlSweepSchedule
    EntityCleanupSchedule: entityCleanupSchedule
    AzureSignalRConnectionString: signalR.listKeys().primaryConnectionString
    SignalRHub: signalRHub
    NotifyKeyspaceEvents: notifyKeyspaceEvents
    SnapshotSchedule: snapshotSchedule
    SnapshotRetention: string(snapshotRetention)
  }
}
