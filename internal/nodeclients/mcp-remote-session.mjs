// A whole mcp-remote session with no input, for `make fixtures`
// (internal/recordfixtures, entry mcp_remote_oauth_session):
//
//   this driver (JSON-RPC on stdio) > mcp-remote > Streamable HTTP + OAuth > URL
//
//   node mcp-remote-session.mjs PROXY_JS URL/mcp
//
// PROXY_JS is mcp-remote's dist/proxy.js (`make mcp-remote`). The driver
// runs it headless the way server/mcp_remote_test.go does: a fresh $HOME
// (mcp-remote keeps tokens under ~/.mcp-auth), no desktop, and a $BROWSER
// script that GETs the authorization URL and follows the redirect (the
// server auto-approves) to mcp-remote's callback on a free loopback port.
// Then it sends initialize, notifications/initialized, tools/list and
// tools/call echo, closes mcp-remote's stdin (which ends it) and exits 0,
// or 1 with the reason and mcp-remote's stderr on stderr.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const [proxy, url] = process.argv.slice(2);
if (!proxy || !url) { console.error('usage: node mcp-remote-session.mjs PROXY_JS URL'); process.exit(2); }

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mcpvcr-mcp-remote-'));
let stderr = '';
const fail = (msg) => {
  console.error(`mcp-remote-session.mjs: ${msg}\n--- mcp-remote stderr ---\n${stderr}`);
  rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
};
setTimeout(() => fail('timed out after 50s'), 50_000).unref();

// freePort returns a loopback port that was free a moment ago, for
// mcp-remote's OAuth callback server.
const freePort = () => new Promise((resolve, reject) => {
  const l = net.createServer().listen(0, '127.0.0.1', () => { const { port } = l.address(); l.close(() => resolve(port)); });
  l.on('error', reject);
});

const browser = path.join(tmp, 'browser');
writeFileSync(browser, `#!/bin/sh
# mcp-remote's browser: GET the authorization URL, follow the redirect to
# mcp-remote's callback.
exec ${JSON.stringify(process.execPath)} -e 'fetch(process.argv[1]).then(async (r) => { await r.text(); process.exit(r.ok ? 0 : 1); }, (e) => { console.error(e); process.exit(1); })' "$1"
`, { mode: 0o755 });
const home = path.join(tmp, 'home');

const port = await freePort();
// A minimal environment: no DISPLAY or desktop, so xdg-open falls back to
// $BROWSER and nothing else is launched.
const child = spawn(process.execPath, [proxy, url, String(port), '--host', '127.0.0.1'], {
  env: { HOME: home, PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, BROWSER: browser },
  stdio: ['pipe', 'pipe', 'pipe'],
});
child.stderr.on('data', (b) => { stderr += b; });
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
exited.then(({ code, signal }) => { if (!closing) fail(`mcp-remote exited early (code ${code}, signal ${signal})`); });
let closing = false;

const waiting = new Map(); // id -> resolve
readline.createInterface({ input: child.stdout }).on('line', (line) => {
  let m;
  try { m = JSON.parse(line); } catch { return; }
  const w = m.id !== undefined && waiting.get(m.id);
  if (w) { waiting.delete(m.id); w(m); }
});
const send = (msg) => child.stdin.write(JSON.stringify({ jsonrpc: '2.0', ...msg }) + '\n');
let nextID = 1;
async function call(method, params) {
  const id = nextID++;
  const res = new Promise((resolve) => waiting.set(id, resolve));
  send({ id, method, params });
  const m = await res;
  if (m.error) fail(`${method}: error ${JSON.stringify(m.error)}`);
  return m.result;
}

const init = await call('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcpvcr-mcp-remote-driver', version: '0.0.0' } });
if (init.serverInfo?.name !== 'mcpvcr') fail(`initialize serverInfo = ${JSON.stringify(init.serverInfo)}, want name mcpvcr`);
send({ method: 'notifications/initialized' });
console.log(`STEP initialized protocol=${init.protocolVersion}`);

const { tools } = await call('tools/list', {});
const names = tools.map((t) => t.name).sort();
if (!names.includes('echo')) fail(`tools/list lacks echo: ${names}`);
console.log(`STEP tools/list ${names.join(',')}`);

const echo = await call('tools/call', { name: 'echo', arguments: { text: 'through mcp-remote' } });
if (echo.content?.[0]?.text !== 'through mcp-remote') fail(`echo returned ${JSON.stringify(echo)}`);
console.log('STEP tools/call echo');

closing = true;
child.stdin.end(); // mcp-remote shuts down when its stdin ends
setTimeout(() => child.kill('SIGTERM'), 5_000).unref();
const { code, signal } = await exited;
rmSync(tmp, { recursive: true, force: true });
console.log(`OK (mcp-remote exited with code ${code}, signal ${signal})`);
process.exit(0);
