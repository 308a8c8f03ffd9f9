// The store: a Function App on the Flex Consumption plan (FC1), .NET isolated worker on .NET 10,
// running as the user-assigned identity. Its app settings are set by settings.bicep (they need
// SignalR's key, and SignalR needs this app's host name).
param name string
param planName string
param location string
param tags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Blob container URL that Flex Consumption deploys the app package from.')
param deploymentContainerUrl string

param instanceMemoryMB int
param maximumInstanceCount int
@description('Always-ready instances of each function group the store needs (0: none).')
param alwaysReadyInstances int

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
    reserved: true // Linux
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  // azd deploys the `api` service of azure.yaml to the resource carrying this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // A request needs both groups warm: the HTTP trigger that takes it and the Durable Task
        // work items (the key entities) that answer it run on instances of their own group.
        alwaysReady: [for group in (alwaysReadyInstances > 0 ? ['http', 'durable'] : []): {
          name: group
          instanceCount: alwaysReadyInstances
        }]
      }
      // On Flex Consumption the runtime is set here, not with FUNCTIONS_WORKER_RUNTIME.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
