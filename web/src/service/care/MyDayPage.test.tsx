import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, problem, renderRoutes } from '../../test/session';
import MyDayPage from './MyDayPage';

const ME = { user: { id: 'tech-1', name: '张工', email: 'zhang@example.com', language: 'en', phone: null }, tenant: { name: 'acme', time_zone: 'UTC' } };
const WAIT = { timeout: 10000 };

function order(id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    version: 1,
    work_order_no: `WO-2026-00000${id}`,
    subject: '收银机无法开机',
    status: 'scheduled',
    address: '浦东新区张江路 88 号',
    contact: 'c1',
    scheduled_start: '2026-12-07T01:00:00Z',
    scheduled_end: '2026-12-07T03:00:00Z',
    check_in_at: null,
    check_out_at: null,
    signed_at: null,
    signed_by_name: null,
    _display: { contact: '赵敏' },
    ...over,
  };
}

type Call = { url: string; body: Record<string, unknown> };

function stub(orders: object[], step: (call: Call) => Response = () => json(200, {})) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : {};
      calls.push({ url, body });
      if (url === '/api/v1/me') return json(200, ME);
      if (url === '/api/v1/records/work_order/query') return json(200, { records: orders, next_cursor: null });
      if (url === '/api/v1/records/contact/query')
        return json(200, { records: [{ id: 'c1', name: '赵敏', mobile: '138 0013 8000', phone: null }], next_cursor: null });
      if (url.startsWith('/api/v1/records/work_order/')) return step({ url, body });
      throw new Error('unexpected ' + url);
    }),
  );
  return calls;
}

function geolocation(answer: 'ok' | 'denied') {
  const getCurrentPosition = vi.fn((ok: PositionCallback, fail: PositionErrorCallback) => {
    if (answer === 'ok') ok({ coords: { latitude: 31.2304049, longitude: 121.4737021 } } as GeolocationPosition);
    else fail({ code: 1, message: 'User denied Geolocation' } as GeolocationPositionError);
  });
  vi.stubGlobal('navigator', { ...navigator, geolocation: { getCurrentPosition } });
  return getCurrentPosition;
}

const renderPage = () => renderRoutes('/service/my-day', { '/service/my-day': <MyDayPage /> });

afterEach(() => vi.unstubAllGlobals());

describe('MyDayPage', { timeout: 60000 }, () => {
  it("lists today's orders of the signed-in technician with tap-to-call", async () => {
    const calls = stub([order('1'), order('2', { scheduled_start: '2026-12-07T06:00:00Z', scheduled_end: '2026-12-07T07:00:00Z', contact: null, _display: {} })]);
    renderPage();
    const first = await screen.findByTestId('visit-1', {}, WAIT);
    expect(screen.getByTestId('visit-2')).toBeTruthy();
    const call = await within(first).findByTestId('visit-call');
    expect(call.getAttribute('href')).toBe('tel:13800138000');
    expect(within(first).getByText('浦东新区张江路 88 号')).toBeTruthy();
    expect(within(first).getByText('01:00–03:00')).toBeTruthy();
    const query = calls.find((c) => c.url === '/api/v1/records/work_order/query')!;
    expect(JSON.stringify(query.body.filter)).toContain('"field":"technician","op":"eq","value":"tech-1"');
    expect(JSON.stringify(query.body.filter)).toContain('"value":"today"');
    expect(query.body.sort).toEqual([{ field: 'scheduled_start', direction: 'asc' }]);
  });

  it('sets off to the customer, then checks in from on the way', async () => {
    geolocation('ok');
    const calls = stub([order('1')], (call) =>
      call.url.endsWith('/en_route')
        ? json(200, order('1', { status: 'en_route', en_route_at: '2026-12-07T00:20:00Z' }))
        : json(200, order('1', { status: 'in_progress', en_route_at: '2026-12-07T00:20:00Z', check_in_at: '2026-12-07T01:05:00Z' })),
    );
    renderPage();
    fireEvent.click(await screen.findByTestId('visit-en-route', {}, WAIT));
    expect(await screen.findByText('Set off at 00:20', {}, WAIT)).toBeTruthy();
    expect(calls.some((c) => c.url === '/api/v1/records/work_order/1/en_route')).toBe(true);
    expect(screen.queryByTestId('visit-en-route')).toBeNull(); // once on the way
    fireEvent.click(screen.getByTestId('visit-check-in'));
    expect(await screen.findByText('Checked in at 01:05', {}, WAIT)).toBeTruthy();
  });

  it('checks in with the phone location', async () => {
    geolocation('ok');
    const calls = stub([order('1')], () => json(200, order('1', { status: 'in_progress', check_in_at: '2026-12-07T01:05:00Z' })));
    renderPage();
    fireEvent.click(await screen.findByTestId('visit-check-in', {}, WAIT));
    expect(await screen.findByText('Checked in at 01:05', {}, WAIT)).toBeTruthy();
    expect(calls.find((c) => c.url.endsWith('/check_in'))?.body).toEqual({ lat: 31.230405, lng: 121.473702 });
    expect(screen.getByTestId('visit-check-out')).toBeTruthy();
  });

  it('says when there is no location and lets the technician go on without it', async () => {
    geolocation('denied');
    const calls = stub([order('1')], () => json(200, order('1', { status: 'in_progress', check_in_at: '2026-12-07T01:05:00Z' })));
    renderPage();
    fireEvent.click(await screen.findByTestId('visit-check-in', {}, WAIT));
    expect(await screen.findByText(/Your location is not available \(User denied Geolocation\)/, {}, WAIT)).toBeTruthy();
    expect(calls.some((c) => c.url.endsWith('/check_in'))).toBe(false);
    fireEvent.click(screen.getByTestId('visit-without-location'));
    expect(await screen.findByText('Checked in at 01:05', {}, WAIT)).toBeTruthy();
    expect(calls.find((c) => c.url.endsWith('/check_in'))?.body).toEqual({});
  });

  it('checks out with a work summary and shows the server refusal', async () => {
    geolocation('ok');
    let attempt = 0;
    const calls = stub([order('1', { status: 'in_progress', check_in_at: '2026-12-07T01:05:00Z' })], () => {
      attempt += 1;
      if (attempt === 1) return problem(409, { code: 'invalid_status', detail: 'The work order is Completed.' });
      return json(200, order('1', { status: 'in_progress', check_in_at: '2026-12-07T01:05:00Z', check_out_at: '2026-12-07T02:40:00Z' }));
    });
    renderPage();
    fireEvent.click(await screen.findByTestId('visit-check-out', {}, WAIT));
    expect(await screen.findByText('Describe the work done')).toBeTruthy();
    fireEvent.change(screen.getByTestId('visit-summary'), { target: { value: '更换主板' } });
    fireEvent.click(screen.getByTestId('visit-check-out'));
    expect(await screen.findByText(/The work order is Completed\./, {}, WAIT)).toBeTruthy();
    fireEvent.click(screen.getByTestId('visit-check-out'));
    expect(await screen.findByText('Checked out at 02:40', {}, WAIT)).toBeTruthy();
    const sent = calls.filter((c) => c.url.endsWith('/check_out')).map((c) => c.body);
    expect(sent[1]).toEqual({ lat: 31.230405, lng: 121.473702, work_summary: '更换主板' });
    // Next: the customer's sign-off.
    expect(await screen.findByTestId('signature-canvas')).toBeTruthy();
  });

  it('sends the signer and the signature PNG for the sign-off', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(
      () => ({ beginPath() {}, moveTo() {}, lineTo() {}, stroke() {}, clearRect() {} }) as unknown as CanvasRenderingContext2D,
    );
    vi.spyOn(HTMLCanvasElement.prototype, 'toDataURL').mockImplementation(() => 'data:image/png;base64,AAAA');
    const done = order('1', { status: 'completed', check_in_at: '2026-12-07T01:05:00Z', check_out_at: '2026-12-07T02:40:00Z', signed_at: '2026-12-07T02:45:00Z', signed_by_name: '赵敏' });
    const calls = stub([order('1', { status: 'in_progress', check_in_at: '2026-12-07T01:05:00Z', check_out_at: '2026-12-07T02:40:00Z' })], () => json(200, done));
    renderPage();
    const pad = await screen.findByTestId('signature-canvas', {}, WAIT);
    fireEvent.pointerDown(pad, { clientX: 5, clientY: 5, pointerId: 1 });
    fireEvent.pointerUp(pad, { pointerId: 1 });
    fireEvent.click(screen.getByTestId('signature-confirm'));
    expect(await screen.findByText('Enter the name of the person signing')).toBeTruthy();
    fireEvent.change(screen.getByTestId('visit-signer'), { target: { value: '赵敏' } });
    fireEvent.click(screen.getByTestId('signature-confirm'));
    expect(await screen.findByText('Signed by 赵敏 at 02:45', {}, WAIT)).toBeTruthy();
    await waitFor(() => expect(screen.queryByTestId('signature-canvas')).toBeNull());
    expect(calls.find((c) => c.url.endsWith('/sign_off'))?.body).toEqual({ signed_by_name: '赵敏', signature: 'data:image/png;base64,AAAA' });
    vi.restoreAllMocks();
  });

  it('says so when there is nothing today', async () => {
    stub([]);
    renderPage();
    expect(await screen.findByText('No work orders today', {}, WAIT)).toBeTruthy();
  });
});
