// The desktop host: one hardened BrowserWindow showing renderer/dist, and the engine (StudioService) in
// this main process behind the prefixed IPC channels of engine/api/contract.ts.
//
// How it is launched: `streamlake start` (npm start) bundles this file and the preload with esbuild into
// out/electron/ (engine/host/electron-bundle.ts) and runs the Electron binary on out/electron/main.mjs;
// electron-builder packages the same bundle (electron-builder.yml: extraMetadata.main).
//
// Hardening: contextIsolation + sandbox + no nodeIntegration; the page is served from a private `app://`
// scheme with a strict CSP; navigation, new windows, permission requests and every http(s)/ws request are
// refused (no remote content); IPC is answered only for our window's top frame on our origin, and every
// payload is validated (engine/api/validate.ts) before it reaches the engine.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { ipcChannels } from '../engine/api/contract.ts';
import type { IpcReply, StudioEvent } from '../engine/api/contract.ts';
import { dispatchCall } from '../engine/api/dispatch.ts';
import { createStudioService } from '../engine/api/service.ts';
import type { StudioService } from '../engine/api/service.ts';
import { setConnectionStore } from '../engine/kafka/store.ts';
import { decideExternalLink } from './external-links.ts';
import { KeychainConnectionStore } from './keychain-store.ts';

const scheme = 'app';
const origin = `${scheme}://studio`;
// STREAMLAKE_APP_ROOT points a development run at the repo; a packaged app loads only its own asar, or
// anyone who can set an environment variable could make it load their code with the app's rights.
const root = resolve(app.isPackaged ? app.getAppPath() : process.env.STREAMLAKE_APP_ROOT ?? app.getAppPath());
const rendererDir = join(root, 'renderer', 'dist');
const preloadPath = join(root, 'out', 'electron', 'preload.cjs');

const csp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

// Must run before `ready`: a standard, secure scheme gets a real origin ('self' in the CSP works) and fetch.
protocol.registerSchemesAsPrivileged([{ scheme, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);

let service: StudioService | null = null;
const windows = new Set<BrowserWindow>();

function homeDir(): string {
  return resolve(process.env.STREAMLAKE_HOME ?? join(homedir(), '.streamlake'));
}

async function serveRenderer(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host !== 'studio') return new Response('Not found', { status: 404 });
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    // Malformed percent-encoding (`%E0%A4%A`) throws URIError; it names no file of ours.
    return new Response('Bad request: malformed percent-encoding', { status: 400 });
  }
  if (decoded.includes('\0')) return new Response('Bad request', { status: 400 });
  const relative = normalize(decoded).replace(/^([/\\])+/, '') || 'index.html';
  let file = join(rendererDir, relative);
  if (!file.startsWith(rendererDir + sep)) return new Response('Forbidden', { status: 403 });
  if (extname(file) === '') file = join(rendererDir, 'index.html');
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: {
        'Content-Type': mimeTypes[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
      },
    });
  } catch {
    return new Response(`Not found: ${url.pathname} (is renderer/dist built? run npm run build:renderer)`, { status: 404 });
  }
}

/** Only the top frame of one of our windows, showing our own origin, may call the engine. */
function trustedSender(event: IpcMainInvokeEvent): boolean {
  const window = BrowserWindow.fromWebContents(event.sender);
  if (!window || !windows.has(window)) return false;
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  try {
    // Compare scheme and host: WHATWG URL reports the origin of a custom scheme as "null".
    const url = new URL(frame.url);
    return url.protocol === `${scheme}:` && url.host === 'studio';
  } catch {
    return false;
  }
}

function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${origin}/`)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(`${origin}/`)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links open in the user's browser, never inside the app: documentation at once, other https sites
    // after the user saw the address, anything else never (external-links.ts).
    void openLink(contents, url);
    return { action: 'deny' };
  });
}

async function openLink(contents: WebContents, text: string): Promise<void> {
  const decision = decideExternalLink(text);
  if (decision.action === 'refuse') return;
  if (decision.action === 'ask') {
    const window = BrowserWindow.fromWebContents(contents);
    const options = {
      type: 'question' as const,
      buttons: ['Cancel', 'Open in browser'],
      defaultId: 0,
      cancelId: 0,
      title: 'Open an external link?',
      message: `Open ${decision.host} in your browser?`,
      detail: decision.url,
    };
    const { response } = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
    if (response !== 1) return;
  }
  await shell.openExternal(decision.url);
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Streamlake Studio',
    backgroundColor: '#111418',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  windows.add(window);
  window.on('closed', () => windows.delete(window));
  // With unsaved work the renderer refuses to unload (beforeunload); a browser then asks "Leave site?",
  // Electron only cancels the close and asks nothing, so the question is asked here.
  window.webContents.on('will-prevent-unload', (event) => {
    const choice = dialog.showMessageBoxSync(window, {
      type: 'question',
      buttons: ['Discard changes', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      title: 'Discard unsaved changes?',
      message: 'The pipeline has changes that are not saved.',
      detail: 'Closing throws them away (the last autosave is offered again at the next start).',
    });
    if (choice === 0) event.preventDefault();
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${origin}/index.html`);
}

function broadcast(event: StudioEvent): void {
  for (const window of windows) {
    if (!window.isDestroyed()) window.webContents.send(ipcChannels.event, event);
  }
}

async function pickFile(purpose: 'open' | 'save', defaultName?: string): Promise<string | null> {
  const focused = BrowserWindow.getFocusedWindow() ?? [...windows][0];
  const filters = [{ name: 'Streamlake pipeline', extensions: ['json'] }];
  const defaultPath = join(homeDir(), 'pipelines', defaultName ?? 'pipeline.json');
  if (purpose === 'open') {
    const result = focused
      ? await dialog.showOpenDialog(focused, { properties: ['openFile'], filters, defaultPath })
      : await dialog.showOpenDialog({ properties: ['openFile'], filters, defaultPath });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  }
  const result = focused ? await dialog.showSaveDialog(focused, { filters, defaultPath }) : await dialog.showSaveDialog({ filters, defaultPath });
  return result.canceled || !result.filePath ? null : result.filePath;
}

async function main(): Promise<void> {
  // One instance owns the lake and the run; a second launch focuses the first window.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    const [first] = windows;
    if (first) {
      if (first.isMinimized()) first.restore();
      first.focus();
    }
  });
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  await app.whenReady();

  const home = homeDir();
  const lakeDir = resolve(process.env.STREAMLAKE_LAKE ?? join(home, 'lake'));
  const connections = new KeychainConnectionStore(home, safeStorage);
  // Pipelines resolve the connection they name through the same keychain-backed store as the UI.
  setConnectionStore(connections);
  service = createStudioService({ mode: 'desktop', lakeDir, homeDir: home, pickFile, connections });
  service.subscribe(broadcast);

  protocol.handle(scheme, serveRenderer);
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // No remote content: the page may load only app:// (and devtools, which uses its own schemes).
  session.defaultSession.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] }, (_details, callback) => callback({ cancel: true }));

  ipcMain.handle(ipcChannels.call, async (event, method: unknown, params: unknown): Promise<IpcReply> => {
    if (!trustedSender(event)) return { ok: false, error: { code: 'ENG_HOST_FORBIDDEN', message: 'IPC from an unknown frame was refused' } };
    if (!service) return { ok: false, error: { code: 'ENG_HOST_UNAVAILABLE', message: 'The engine is still starting' } };
    return dispatchCall(service, typeof method === 'string' ? method : '', params);
  });

  createWindow();
  app.on('activate', () => {
    if (windows.size === 0) createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', (event) => {
  const running = service;
  if (!running) return;
  // Stop the pipeline cleanly (final checkpoint and lake commit) before the process exits.
  event.preventDefault();
  service = null;
  void running.close().finally(() => app.exit(0));
});

main().catch((error: unknown) => {
  dialog.showErrorBox('Streamlake Studio could not start', error instanceof Error ? error.message : String(error));
  app.exit(1);
});
