import type { Location } from './fieldApi';

export type Located = { ok: true; at: Location } | { ok: false; reason: string };

/**
 * The phone's position once (navigator.geolocation), never rejecting: a refusal, no fix, a
 * timeout or a browser without geolocation answer `ok: false` with the browser's reason, so
 * the technician can go on without a location (the server records none).
 */
export function locate(timeoutMs = 15000): Promise<Located> {
  const geo = typeof navigator !== 'undefined' ? navigator.geolocation : undefined;
  if (!geo) return Promise.resolve({ ok: false, reason: 'geolocation unsupported' });
  return new Promise((resolve) => {
    geo.getCurrentPosition(
      (position) =>
        resolve({
          ok: true,
          // Six decimals (about 10 cm): what the work order stores.
          at: { lat: Number(position.coords.latitude.toFixed(6)), lng: Number(position.coords.longitude.toFixed(6)) },
        }),
      (error) => resolve({ ok: false, reason: error.message || `error ${error.code}` }),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60000 },
    );
  });
}
