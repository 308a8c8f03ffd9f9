// Azure SignalR Service in Serverless mode: the store publishes through its REST API, browsers
// connect with what /api/negotiate returns, and connect/disconnect events of the store's hub come
// back to the app through the upstream (event handler) below.
param name string
param location string
param tags object

@allowed(['Free_F1', 'Standard_S1', 'Premium_P1'])
param sku string

@description('The hub the store uses (the SignalRHub app setting).')
param hubName string

@description('The Function App host name the upstream calls.')
param appHostName string

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: sku
    tier: split(sku, '_')[0]
    capacity: 1
  }
  properties: {
    features: [
      { flag: 'ServiceMode', value: 'Serverless' }
      { flag: 'EnableConnectivityLogs', value: 'True' }
    ]
    // Browsers on any origin may negotiate and connect; the store's tokens guard what they can do.
    cors: { allowedOrigins: ['*'] }
    upstream: {
      templates: [
        {
          hubPattern: hubName
          categoryPattern: 'connections'
          eventPattern: 'connected,disconnected'
          // {hub}, {category} and {event} are filled in by SignalR Service, not by Bicep.
          urlTemplate: 'https://${appHostName}/api/_signalr/{hub}/{category}/{event}'
        }
      ]
    }
    // The store signs its REST calls with the access key (AzureSignalRConnectionString).
    disableLocalAuth: false
    publicNetworkAccess: 'Enabled'
  }
}

output name string = signalR.name
