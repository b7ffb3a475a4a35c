/** How old the last collection may be before /api/health calls it an outage. */
import { Cron } from 'croner';

/** Two missed schedule intervals plus an hour: one late or failed run alone is not an outage. */
export function collectionMaxAgeHours(schedule: string): number {
  const [a, b] = new Cron(schedule, { timezone: 'UTC' }).nextRuns(2);
  const intervalH = a && b ? (b.getTime() - a.getTime()) / 3_600_000 : 24;
  return 2 * intervalH + 1;
}
