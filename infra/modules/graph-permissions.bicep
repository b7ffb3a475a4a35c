// Microsoft Graph application permissions for the app's managed identity, as app role
// assignments on the Microsoft Graph service principal. The deploying identity needs
// AppRoleAssignment.ReadWrite.All + Application.Read.All (e.g. Privileged Role
// Administrator); without it, deploy with grantGraphPermissions=false and run
// infra/scripts/grant-graph-permissions.sh as an admin instead.
extension microsoftGraphV1

param principalId string
@description('Also grant Mail.Send (weekly report by mail).')
param grantMailSend bool = false

// One list for Bicep, the fallback script and the consistency test.
var graphPermissions = loadJsonContent('../graph-permissions.json')
var granted = filter(graphPermissions.permissions, p => !p.optional || (grantMailSend && p.name == 'Mail.Send'))

resource microsoftGraph 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: graphPermissions.resourceAppId
}

resource appRoleAssignments 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [
  for permission in granted: {
    principalId: principalId
    resourceId: microsoftGraph.id
    appRoleId: permission.id
  }
]

output grantedPermissions array = map(granted, p => p.name)
