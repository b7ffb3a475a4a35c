/**
 * National clouds: the token scope and the authority follow GRAPH_BASE_URL
 * (learn.microsoft.com/graph/deployments, learn.microsoft.com/graph/sdks/national-clouds).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { createGraphPort, graphScopesFor } from '../../shared/graph/client.js';
import { graphCloudFor } from '../../shared/graph/cloud.js';

describe('graphCloudFor', () => {
  it.each([
    [
      'https://graph.microsoft.com',
      'global',
      'https://graph.microsoft.com/.default',
      'https://login.microsoftonline.com',
    ],
    [
      'https://graph.microsoft.us',
      'usGov',
      'https://graph.microsoft.us/.default',
      'https://login.microsoftonline.us',
    ],
    [
      'https://dod-graph.microsoft.us',
      'usGovDoD',
      'https://dod-graph.microsoft.us/.default',
      'https://login.microsoftonline.us',
    ],
    [
      'https://microsoftgraph.chinacloudapi.cn',
      'china',
      'https://microsoftgraph.chinacloudapi.cn/.default',
      'https://login.chinacloudapi.cn',
    ],
  ])('%s → %s', (baseUrl, name, scope, authorityHost) => {
    expect(graphCloudFor(baseUrl)).toEqual({ name, scope, authorityHost });
    expect(graphScopesFor(baseUrl)).toEqual([scope]);
  });

  it('host case and a trailing path do not matter; GRAPH_BASE_URL as the Bicep default gives it', () => {
    expect(graphCloudFor('https://Graph.Microsoft.US/').name).toBe('usGov');
    // environment().graph ends with a slash; the config trims it to the origin.
    const config = loadConfig({
      STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      GRAPH_BASE_URL: 'https://graph.microsoft.us/',
    });
    expect(config.graph.baseUrl).toBe('https://graph.microsoft.us');
    expect(graphScopesFor(config.graph.baseUrl)).toEqual(['https://graph.microsoft.us/.default']);
  });

  it('any other host (the simulator) keeps the global scope and authority', () => {
    expect(graphCloudFor('https://localhost:8443')).toEqual({
      name: 'custom',
      scope: 'https://graph.microsoft.com/.default',
      authorityHost: 'https://login.microsoftonline.com',
    });
  });
});

describe('createGraphPort asks the credential for the Graph origin’s own scope', () => {
  it.each([
    ['https://graph.microsoft.us', 'https://graph.microsoft.us/.default'],
    ['https://microsoftgraph.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn/.default'],
  ])('%s', async (baseUrl, scope) => {
    const asked: string[][] = [];
    const credential = {
      getToken: async (scopes: string | string[]) => {
        asked.push([scopes].flat());
        // Refusing stops the request here, before any network: the scope is what matters.
        throw new Error('no token in this test');
      },
    };
    const config = loadConfig({
      STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      GRAPH_BASE_URL: baseUrl,
      GRAPH_MAX_RETRIES: '0',
    });
    const graph = createGraphPort(config.graph, { credential });
    await expect(graph.get('/organization?$select=id')).rejects.toThrow();
    expect(asked).toEqual([[scope]]);
  });
});
