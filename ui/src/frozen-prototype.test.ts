// @vitest-environment node
//
// tauri.conf.json sets `freezePrototype`: the window freezes Object.prototype before any script runs.
// Bundled code is strict, so a dependency that assigns e.g. `exports.toString = …` throws at
// startup and the window stays blank (the `qrcode` package did exactly that). jsdom tests cannot
// see this, so this builds the real bundle and drives it, in a separate Node process, with
// Object.prototype frozen and a fake backend: start, choose a file, get the link and its QR code.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const uiDir = dirname(dirname(fileURLToPath(import.meta.url)));

// Runs in the child process: argv[1] is the built bundle, argv[2] 'freeze' or not, argv[3] the page
// ('main' or 'drop', the drop target window).
const DRIVER = String.raw`
import { JSDOM } from 'jsdom';
const [bundle, mode, page] = process.argv.slice(1);
const dom = new JSDOM('<!doctype html><div id="app"></div>', { url: 'http://localhost/' });
const w = dom.window;
for (const name of ['window', 'document', 'navigator', 'Node', 'Element', 'HTMLElement', 'Text',
  'Comment', 'DocumentFragment', 'MutationObserver', 'localStorage', 'getComputedStyle',
  'requestAnimationFrame', 'HTMLTemplateElement', 'Event', 'CustomEvent']) {
  Object.defineProperty(globalThis, name, { value: w[name], configurable: true, writable: true });
}
const callbacks = new Map();
let nextId = 1;
const calls = [];
w.__TAURI_INTERNALS__ = {
  metadata: { currentWindow: { label: page }, currentWebview: { windowLabel: page, label: page } },
  transformCallback(callback) { const id = nextId++; callbacks.set(id, callback); return id; },
  unregisterCallback(id) { callbacks.delete(id); },
  async invoke(cmd, args) {
    calls.push(cmd);
    switch (cmd) {
      case 'app_info': return { version: '0.0.1', default_profile: 'p', data_dir: '/tmp' };
      case 'list_profiles': return { default: 'p', profiles: [{ name: 'p', bucket: 'b', endpoint: null, default_expiry: null }] };
      case 'plugin:event|listen': return nextId++;
      case 'choose_files': return [{ id: 1, name: 'report.pdf', shown_path: '/tmp/report.pdf' }];
      case 'take_pending_shares': return [];
      case 'share_file': {
        const id = Number(String(args.onEvent.toJSON()).split(':')[1]);
        callbacks.get(id)?.({ index: 0, message: { kind: 'progress', sent: 10, total: 10, percent: 100 } });
        return { id: 'x', url: 'https://b.example.com/x/report.pdf?X-Amz-Signature=00', name: 'report.pdf',
          expires_at: new Date(Date.now() + 3600e3).toISOString(), size: 10, content_type: 'application/pdf',
          profile: 'p', bucket: 'b', key: 'x/report.pdf', e_tag: null, warnings: [] };
      }
      default: return null;
    }
  },
};
w.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener() {} };
if (mode === 'freeze') Object.freeze(Object.prototype);
const result = { error: null };
try {
  await import(bundle);
  const settle = () => new Promise((r) => setTimeout(r, 50));
  await settle();
  if (page === 'drop') {
    result.target = w.document.querySelector('section')?.textContent?.replace(/\s+/g, ' ').trim();
    throw null;
  }
  result.footer = w.document.querySelector('footer')?.textContent?.trim();
  const choose = [...w.document.querySelectorAll('button')].find((b) => b.textContent.includes('Choose files'));
  choose.click();
  await settle();
  result.row = w.document.querySelector('article')?.textContent?.replace(/\s+/g, ' ').trim();
  result.qr = w.document.querySelector('article img')?.getAttribute('src')?.slice(0, 32);
} catch (e) {
  if (e !== null) result.error = String(e && e.stack || e);
}
result.calls = calls;
console.log(JSON.stringify(result));
process.exit(0);
`;

describe('the production bundle', () => {
  let outDir = '';

  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('runs with Object.prototype frozen, as in the Tauri window', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'linkdrop-ui-'));
    const env = { ...process.env };
    delete env.VITEST; // vite.config.ts changes resolution under Vitest; build as `npm run build` does
    await run(
      process.execPath,
      [
        join(uiDir, 'node_modules/vite/bin/vite.js'),
        'build',
        '--outDir',
        outDir,
        '--logLevel',
        'error',
      ],
      { cwd: uiDir, env },
    );
    const drive = async (html: string, page: string) => {
      // The page's entry script, as its HTML names it (the pages share chunks beside it).
      const entry = /<script type="module"[^>]*src="\/(assets\/[^"]+\.js)"/.exec(
        await readFile(join(outDir, html), 'utf8'),
      )?.[1];
      expect(entry, `no entry script in ${html}`).toBeDefined();
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', DRIVER, join(outDir, entry ?? ''), 'freeze', page],
        { cwd: uiDir },
      );
      return JSON.parse(stdout) as {
        error: string | null;
        footer?: string;
        row?: string;
        qr?: string;
        target?: string;
        calls: string[];
      };
    };

    const drop = await drive('drop.html', 'drop');
    expect(drop.error).toBeNull();
    expect(drop.target).toBe('Drop files here');

    const result = await drive('index.html', 'main');
    expect(result.error).toBeNull();
    expect(result.footer).toBe('LinkDrop v0.0.1 · profile p');
    expect(result.calls).toContain('share_file');
    expect(result.row).toContain('report.pdf');
    expect(result.row).toContain('Link copied');
    expect(result.row).toMatch(/expires in/);
    expect(result.qr).toBe('data:image/svg+xml;charset=utf-8');
  }, 60_000);
});
