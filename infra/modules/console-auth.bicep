// Sign-in for people: an Entra ID app registration with the ResetReady.Reader and
// ResetReady.Admin app roles, its service principal (only assigned users and groups may sign
// in), and App Service Authentication ("Easy Auth") on the Function App with the Microsoft
// Entra provider. The deploying identity needs to create app registrations (Application
// Administrator or Cloud Application Administrator); otherwise deploy with
// enableConsoleSignIn=false and the console refuses everyone.
//
// "Allow anonymous" on purpose: function keys keep working for Power BI and scripts on the
// /api/* read routes (the Functions host checks them; Easy Auth would redirect a keyed call
// to a sign-in page), while the app itself signs people in on /api/console: it redirects a
// signed-out browser to /.auth/login/aad, answers 401/403 JSON to API calls, and believes the
// platform's X-MS-CLIENT-PRINCIPAL header only because CONSOLE_AUTH=app-service says the
// platform is in front (it strips that header from clients).
//
// No client secret: without one, Easy Auth signs people in with the OpenID Connect implicit
// flow and an ID token, which carries the app roles.
extension microsoftGraphV1

param functionAppName string
@description('Host name people open (the Function App default host name).')
param hostName string
@description('Stable unique name of the app registration (idempotent redeployments).')
param appRegistrationName string

var appRoles = loadJsonContent('../app-roles.json')
var microsoftGraphAppId = '00000003-0000-0000-c000-000000000000'
// Microsoft Graph delegated User.Read: sign in and read the signed-in user's profile.
var userReadScopeId = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d'

resource consoleApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: appRegistrationName
  displayName: 'ResetReady (${functionAppName})'
  signInAudience: 'AzureADMyOrg'
  web: {
    homePageUrl: 'https://${hostName}/api/console'
    redirectUris: ['https://${hostName}/.auth/login/aad/callback']
    logoutUrl: 'https://${hostName}/.auth/logout'
    implicitGrantSettings: { enableIdTokenIssuance: true, enableAccessTokenIssuance: false }
  }
  appRoles: [
    for role in appRoles.roles: {
      id: role.id
      value: role.value
      displayName: role.displayName
      description: role.description
      allowedMemberTypes: role.allowedMemberTypes
      isEnabled: true
    }
  ]
  requiredResourceAccess: [
    {
      resourceAppId: microsoftGraphAppId
      resourceAccess: [{ id: userReadScopeId, type: 'Scope' }]
    }
  ]
}

resource consoleServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: consoleApp.appId
  // Only people (or groups) assigned a ResetReady role can sign in at all.
  appRoleAssignmentRequired: true
}

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
      forwardProxy: { convention: 'NoProxy' }
    }
    login: {
      tokenStore: { enabled: false }
      preserveUrlFragmentsForLogins: false
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: consoleApp.appId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [consoleApp.appId]
        }
      }
    }
  }
  dependsOn: [consoleServicePrincipal]
}

output clientId string = consoleApp.appId
output servicePrincipalId string = consoleServicePrincipal.id
output consoleUrl string = 'https://${hostName}/api/console'
