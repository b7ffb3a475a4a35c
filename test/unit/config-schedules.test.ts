/**
 * Both timer schedules are checked when the configuration loads, with the setting named in the
 * message: a bad value stops the app at start, listed with every other problem, instead of
 * passing validation and failing inside the timer registration with a library's words.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, scheduleProblem } from '../../shared/config.js';

const BASE = { STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('COLLECT_SCHEDULE and REPORT_SCHEDULE', () => {
  it.each(['0 0 */6 * * *', '0 0 7 * * 1', '0 30 2 * * MON-FRI', '0 */15 * * * *', '0 0 0 1 1,4,7,10 *'])(
    'accepts the NCRONTAB expression %s',
    (schedule) => {
      expect(problems({ COLLECT_SCHEDULE: schedule, REPORT_SCHEDULE: schedule })).toEqual([]);
    },
  );

  it.each([
    ['not a schedule', /must be an NCRONTAB expression with 6 fields.*got "not a schedule", 3 fields/],
    ['0 */6 * * *', /6 fields, seconds first.*5 fields/],
    [
      '0 0 25 * * *',
      /is not a valid NCRONTAB expression \(got "0 0 25 \* \* \*"\): Invalid value for hour: 25/,
    ],
    ['0 0 7 * * 8', /Invalid value for dayOfWeek: 8/],
    ['0 0 0 30 2 *', /never fires \(got "0 0 0 30 2 \*"\)/],
  ])('refuses %s naming the setting', (schedule, message) => {
    for (const name of ['COLLECT_SCHEDULE', 'REPORT_SCHEDULE'] as const) {
      const found = problems({ [name]: schedule });
      expect(found).toHaveLength(1);
      expect(found[0]!.startsWith(`${name} `)).toBe(true);
      expect(found[0]).toMatch(message);
    }
  });

  it('lists both when both are wrong, with the other problems', () => {
    const found = problems({ COLLECT_SCHEDULE: '* * * * * * *', REPORT_SCHEDULE: 'weekly', TRUST_MODE: 'x' });
    expect(found.map((p) => p.split(' ')[0])).toEqual(['TRUST_MODE', 'COLLECT_SCHEDULE', 'REPORT_SCHEDULE']);
  });

  it('scheduleProblem is null for the defaults', () => {
    expect(scheduleProblem('COLLECT_SCHEDULE', '0 0 */6 * * *')).toBeNull();
    expect(scheduleProblem('REPORT_SCHEDULE', '0 0 7 * * 1')).toBeNull();
  });
});
