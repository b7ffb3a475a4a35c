/**
 * Which id a device's posture row is stored under. Reports and users know the Entra
 * deviceId, so that is the key; an Intune device without an Entra record (azureADDeviceId all
 * zeros, graph.md §3) can never report and is kept under its Intune id instead.
 */

export const ZERO_DEVICE_ID = '00000000-0000-0000-0000-000000000000';

export interface KeyedDevice {
  id: string;
  azureADDeviceId: string | null;
}

export function isZeroDeviceId(id: string | null | undefined): boolean {
  return !id || id === ZERO_DEVICE_ID;
}

/** Lower-case Entra deviceId, or the Intune managed device id when there is none. */
export function deviceKeyOf(d: KeyedDevice): string {
  const entra = d.azureADDeviceId?.toLowerCase() ?? null;
  return isZeroDeviceId(entra) ? d.id.toLowerCase() : (entra as string);
}
