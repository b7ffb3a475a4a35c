// The Function App's one identity: storage data plane, App Insights ingestion and Graph.
// User-assigned so Graph app roles survive an app re-create and can be granted before deploy.
param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
output name string = identity.name
