import { describe, expect, it, vi } from 'vitest';
import { mountWhenReady } from './start';

describe('mountWhenReady', () => {
  it('mounts the app once its code and the boot are in', async () => {
    const element = document.createElement('div');
    const mount = vi.fn();
    await mountWhenReady(element, Promise.resolve({ mount }), Promise.resolve());
    expect(mount).toHaveBeenCalledWith(element);
  });

  it('replaces the spinner with a message and a reload button when the code cannot load', async () => {
    const element = document.createElement('div');
    element.innerHTML = '<div class="ky-boot"></div>';
    await mountWhenReady(element, Promise.reject(new TypeError('Failed to fetch dynamically imported module')), Promise.resolve());
    expect(element.querySelector('.ky-boot')).toBeNull();
    expect(element.querySelector('[role="alert"]')?.textContent).toContain('Keyi could not load');
    expect(element.querySelector('button')?.textContent).toContain('Reload');
  });
});
