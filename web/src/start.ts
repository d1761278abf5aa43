/**
 * Mount the app once it is ready, or say plainly that it could not load.
 *
 * index.html shows a spinner until the app mounts. If the app's code cannot be fetched (the
 * network dropped, or a new release replaced the files this page refers to), the spinner would
 * otherwise turn forever; instead the page says so, in both languages, with a reload button.
 */
export function mountWhenReady(element: HTMLElement, app: Promise<{ mount: (el: HTMLElement) => void }>, ready: Promise<unknown>): Promise<void> {
  return Promise.all([app, ready]).then(
    ([{ mount }]) => mount(element),
    () => showLoadFailure(element),
  );
}

function showLoadFailure(element: HTMLElement): void {
  const box = document.createElement('div');
  box.className = 'ky-boot-failed';
  box.setAttribute('role', 'alert');
  const text = document.createElement('p');
  text.textContent = '客易无法加载，请检查网络后重试。 Keyi could not load: check the connection and try again.';
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = '重新加载 · Reload';
  button.addEventListener('click', () => window.location.reload());
  box.append(text, button);
  element.replaceChildren(box);
}
