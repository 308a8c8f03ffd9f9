// The store's Storage account: the Functions runtime (AzureWebJobsStorage), the Durable Task hub's
// queues, tables and blobs, the app's deployment package and the RDB snapshots. Shared keys are off:
// everything reaches it with Entra ID (the app with its managed identity).
param name string
param location string
param tags object

@description('Flex Consumption deploys the app package from this container.')
param deploymentContainer string = 'app-package'

@description('Where SAVE, BGSAVE and the snapshot timer write RDB files.')
param snapshotsContainer string = 'snapshots'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource deployment 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobs
  name: deploymentContainer
  properties: { publicAccess: 'None' }
}

resource snapshots 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobs
  name: snapshotsContainer
  properties: { publicAccess: 'None' }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output deploymentContainer string = deployment.name
output snapshotsContainer string = snapshots.name
