// Runs the official MCP conformance suite's authorization-server scenarios
// (@modelcontextprotocol/conformance, pinned in package.json here) headless
// against `mcpvcr serve --auto-approve`:
//
//   mcpvcr serve ──► register a public client (DCR) ──► conformance authorization
//        ▲                                                 │ prints the authorize URL
//        └────── headless "browser": fetch that URL ◄──────┘ and waits on its callback
//
// Usage: node run.mjs MCPVCR_BIN CONFORMANCE_DIR OUT_DIR
// Only Node (22) is needed: no curl, no python on a fresh CI machine.
// Exit status: the suite's (non-zero when a check failed), 1 on setup errors.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';

const [mcpvcr, suiteDir, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node run.mjs MCPVCR_BIN CONFORMANCE_DIR OUT_DIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  s.on('error', reject);
});
const fail = (msg) => { console.error(`conformance-auth: ${msg}`); process.exitCode = 1; };

const port = await freePort();
const cbPort = await freePort();
const issuer = `http://127.0.0.1:${port}`;

// Redis: $REDIS_URL when set (.ci/run: a real redis-server), else in-process.
const serverLog = createWriteStream(join(outDir, 'server.log'));
const server = spawn(mcpvcr, ['serve', '--auto-approve', '--addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
server.stdout.pipe(serverLog);
server.stderr.pipe(serverLog);
const stopServer = () => { if (server.exitCode === null) server.kill('SIGTERM'); };

try {
  let up = false;
  for (let i = 0; i < 100 && !up; i++) {
    try { up = (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).ok; } catch { /* not yet */ }
    if (!up) await new Promise((r) => setTimeout(r, 100));
  }
  if (!up) throw new Error(`mcpvcr serve did not answer on ${issuer} within 10 s (see ${outDir}/server.log)`);

  // A public client whose redirect URI is the suite's callback.
  const reg = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: 'conformance', redirect_uris: [`http://127.0.0.1:${cbPort}/callback`], token_endpoint_auth_method: 'none' }),
  });
  const { client_id: clientId } = await reg.json();
  if (reg.status !== 201 || !clientId) throw new Error(`client registration answered ${reg.status}`);

  const suite = spawn(process.execPath, [
    join(suiteDir, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'), 'authorization',
    '--url', issuer, '--client-id', clientId, '--resource', `${issuer}/mcp`, '--port', String(cbPort),
    '--output-dir', join(outDir, 'results'),
  ], { stdio: ['ignore', 'pipe', 'inherit'] });

  // The headless browser. The suite prints the URL before its callback
  // server listens, so wait for both; with --auto-approve the server
  // redirects straight to the callback, which fetch follows.
  let out = '';
  let visited = false;
  suite.stdout.on('data', async (chunk) => {
    process.stdout.write(chunk);
    out += chunk;
    const url = out.match(new RegExp(`${issuer}/authorize\\?\\S+`));
    if (!visited && url && out.includes(`Callback server started: http://127.0.0.1:${cbPort}`)) {
      visited = true;
      try {
        const res = await fetch(url[0]);
        if (!res.ok) fail(`the authorization redirect ended with ${res.status}`);
      } catch (e) {
        fail(`visiting the authorization URL failed: ${e.message}`);
      }
    }
  });
  const code = await new Promise((resolve) => suite.on('close', resolve));
  if (code !== 0) process.exitCode = code ?? 1;
} catch (e) {
  fail(e.message);
} finally {
  stopServer();
}
