/**
 * The device recompute message: "re-evaluate this device's posture". Sent after an accepted
 * upload, by the sweeper for pending intents, and by anything else that changed one device.
 */
import { z } from 'zod';
import { defineMessage } from '../queue/envelope.js';

/** Logical queue of device recomputes (physical name: `<prefix>-recompute`). */
export const RECOMPUTE_WORK = 'recompute';

export const recomputeMessage = defineMessage(
  'posture.recompute',
  z.object({
    /** Entra device id, lower case (or the Intune id of a device without one). */
    deviceId: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[0-9a-z-]+$/),
    /** Why, for logs: "upload", "sweep", "repair". */
    reason: z.enum(['upload', 'sweep', 'repair']),
  }),
);
