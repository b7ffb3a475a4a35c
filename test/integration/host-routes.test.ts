/**
 * The pure parts of the local host: route templates as the Functions host reads them,
 * app-setting references, and how local.settings.json fills the environment.
 */
import { describe, expect, it } from 'vitest';
import { compareSpecificity, compileRoute, matchRoute, resolveSettingReferences } from '../../dev/host.js';
import { LocalSettingsError, parseLocalSettings, settingsToApply } from '../../dev/local-settings.js';

const match = (template: string, path: string) =>
  matchRoute(
    compileRoute(template),
    path.split('/').filter((s) => s),
  );

describe('route templates', () => {
  it('binds parameters and a trailing catch-all', () => {
    expect(match('devices/{id}', 'devices/abc')).toEqual({ id: 'abc' });
    expect(match('odata/{*path}', 'odata/Devices/x')).toEqual({ path: 'Devices/x' });
    expect(match('odata/{*path}', 'odata')).toEqual({ path: '' });
    expect(match('devices/{id}', 'devices')).toBeUndefined();
    expect(match('devices/{id}', 'devices/a/b')).toBeUndefined();
  });

  it('compares literals case-insensitively, as ASP.NET routing does', () => {
    expect(match('Reports', 'reports')).toEqual({});
    expect(match('reports', 'reportsx')).toBeUndefined();
  });

  it('supports optional parameters and the common constraints', () => {
    expect(match('summary/{day?}', 'summary')).toEqual({});
    expect(match('summary/{day?}', 'summary/2025-06-01')).toEqual({ day: '2025-06-01' });
    expect(match('runs/{n:int}', 'runs/12')).toEqual({ n: '12' });
    expect(match('runs/{n:int}', 'runs/x')).toBeUndefined();
    expect(match('d/{id:guid}', 'd/6f1d1b9e-2b1a-4c3e-9a8b-0c1d2e3f4a5b')).toBeDefined();
    expect(match('d/{id:guid}', 'd/not-a-guid')).toBeUndefined();
  });

  it('refuses templates it cannot serve faithfully instead of ignoring parts', () => {
    expect(() => compileRoute('a/{*rest}/b')).toThrow(/must be last/);
    expect(() => compileRoute('a/{id:regex(x)}')).toThrow(/not supported/);
    expect(() => compileRoute('a/{id}.json')).toThrow(/not supported/);
    expect(() => compileRoute('a/{id:minlength}')).toThrow(/not supported/);
  });

  it('orders literal routes before parameter routes before catch-alls', () => {
    const routes = ['odata/{*path}', 'odata/{entity}', 'odata/$metadata'].map(compileRoute);
    expect(routes.sort(compareSpecificity).map((r) => r.template)).toEqual([
      'odata/$metadata',
      'odata/{entity}',
      'odata/{*path}',
    ]);
  });
});

describe('app-setting references', () => {
  it('replaces %NAME% from the environment and names a missing one', () => {
    expect(resolveSettingReferences('%S%', { S: '0 0 */6 * * *' })).toBe('0 0 */6 * * *');
    expect(resolveSettingReferences('0 0 3 * * *', {})).toBe('0 0 3 * * *');
    expect(() => resolveSettingReferences('%MISSING%', {})).toThrow(/"MISSING"/);
  });
});

describe('local.settings.json', () => {
  it('applies Values the environment does not set, stringifying non-strings', () => {
    const { apply, skipped } = settingsToApply({ A: 'file', B: 'file', C: 8, D: true }, { B: 'env', E: 'x' });
    expect(apply).toEqual({ A: 'file', C: '8', D: 'true' });
    expect(skipped).toEqual(['B']);
  });

  it('treats an empty environment value as set (the environment wins)', () => {
    expect(settingsToApply({ A: 'file' }, { A: '' }).apply).toEqual({});
  });

  it('reports malformed files with the file name', () => {
    expect(() => parseLocalSettings('{', 'x.json')).toThrow(LocalSettingsError);
    expect(() => parseLocalSettings('{"Values": []}', 'x.json')).toThrow(
      /x.json: "Values" must be an object/,
    );
    expect(parseLocalSettings('{"IsEncrypted": false}')).toEqual({});
  });
});
