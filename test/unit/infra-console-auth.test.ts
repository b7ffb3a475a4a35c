/**
 * The console's sign-in as the Bicep deploys it, held to the code by reading the templates (no
 * Bicep compiler here): App Service Authentication with the Entra provider in "allow
 * anonymous" mode (function keys keep working; the app signs people in), the app roles the
 * code checks, no client secret, and CONSOLE_AUTH set exactly when the platform is in front.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../shared/auth/principal.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');
const main = read('infra', 'main.bicep');
const auth = read('infra', 'modules', 'console-auth.bicep');
const roles = JSON.parse(read('infra', 'app-roles.json')) as {
  roles: { id: string; value: string; allowedMemberTypes: string[] }[];
};

describe('console sign-in (infra/modules/console-auth.bicep)', () => {
  it('declares exactly the app roles the code checks, with fixed ids', () => {
    expect(roles.roles.map((r) => r.value).sort()).toEqual([ROLES.admin, ROLES.reader].sort());
    for (const r of roles.roles)
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(roles.roles.map((r) => r.id)).size).toBe(2);
    expect(auth).toContain("loadJsonContent('../app-roles.json')");
    expect(auth).toMatch(/appRoles: \[\s+for role in appRoles\.roles: \{/);
  });

  it('lets only assigned people sign in, through the Function App callback, without a client secret', () => {
    expect(auth).toMatch(
      /resource consoleServicePrincipal 'Microsoft\.Graph\/servicePrincipals@v1\.0'[\s\S]*?appRoleAssignmentRequired: true/,
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep interpolation, matched as text
    expect(auth).toContain("redirectUris: ['https://${hostName}/.auth/login/aad/callback']");
    expect(auth).toMatch(/enableIdTokenIssuance: true/);
    expect(auth).toContain("signInAudience: 'AzureADMyOrg'");
    expect(auth).not.toMatch(/clientSecret|passwordCredentials|secretText/);
  });

  it('turns on App Service Authentication with the Entra provider, allowing anonymous requests through', () => {
    expect(auth).toMatch(
      /resource authSettings 'Microsoft\.Web\/sites\/config@[\d-]+' = \{\s+parent: site\s+name: 'authsettingsV2'/,
    );
    expect(auth).toMatch(/platform: \{ enabled: true \}/);
    // Function keys must keep working for Power BI and scripts: the platform never redirects.
    expect(auth).toMatch(/requireAuthentication: false\s+unauthenticatedClientAction: 'AllowAnonymous'/);
    expect(auth).toMatch(
      /azureActiveDirectory: \{\s+enabled: true\s+registration: \{\s+clientId: consoleApp\.appId/,
    );
    expect(auth).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep interpolation, matched as text
      "openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'",
    );
  });

  it('sets CONSOLE_AUTH=app-service exactly when it deploys the sign-in, and links mail and Teams to the console', () => {
    expect(main).toContain("CONSOLE_AUTH: enableConsoleSignIn ? 'app-service' : 'off'");
    expect(main).toMatch(/module consoleAuth 'modules\/console-auth\.bicep' = if \(enableConsoleSignIn\) \{/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep interpolation, matched as text
    expect(main).toContain("REPORT_LINK_URL: 'https://${appName}.azurewebsites.net/api/console/report'");
    expect(main).toMatch(/^param enableConsoleSignIn bool = true$/m);
  });
});
