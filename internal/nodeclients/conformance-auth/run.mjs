// Runs the official MCP conformance suite's authorization-server scenarios
// (@modelcontextprotocol/conformance, pinned in package.json here) headless
// against `mcpvcr serve --auto-approve`, twice: once for a client that
// registered itself (DCR), once for a client whose client_id is the URL of
// its client ID metadata document (CIMD), which this script serves on
// loopback:
//
//   mcpvcr serve ──► DCR client, or CIMD client (its document on 127.0.0.1) ──► conformance authorization
//        ▲                                                                        │ prints the authorize URL
//        └────── headless "browser": fetch that URL ◄─────────────────────────────┘ and waits on its callback
//
// Usage: node run.mjs MCPVCR_BIN CONFORMANCE_DIR OUT_DIR
// Only Node (22) is needed: no curl, no python on a fresh CI machine.
// Exit status: non-zero when a check failed or warned (the suite itself
// exits 0 on warnings, such as "CIMD not implemented"), 1 on setup errors.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createServer as createHTTPServer } from 'node:http';
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
  const { client_id: dcrClientId } = await reg.json();
  if (reg.status !== 201 || !dcrClientId) throw new Error(`client registration answered ${reg.status}`);
  await runSuite('dcr', dcrClientId);

  // A client ID metadata document on loopback (http is allowed only there):
  // its URL is the client_id, and nothing is registered.
  const docPort = await freePort();
  const cimdClientId = `http://127.0.0.1:${docPort}/conformance/client.json`;
  const docServer = createHTTPServer((req, res) => {
    if (req.url !== '/conformance/client.json') { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ client_id: cimdClientId, client_name: 'conformance (CIMD)', redirect_uris: [`http://127.0.0.1:${cbPort}/callback`], token_endpoint_auth_method: 'none' }));
  });
  await new Promise((resolve) => docServer.listen(docPort, '127.0.0.1', resolve));
  try {
    await runSuite('cimd', cimdClientId);
  } finally {
    docServer.close();
  }
} catch (e) {
  fail(e.message);
} finally {
  stopServer();
}

// runSuite runs the suite for clientId, plays the browser for the
// authorization URL it prints, and fails on a non-zero exit or on any
// WARNING among its checks.
async function runSuite(label, clientId) {
  const results = join(outDir, 'results', label);
  console.log(`conformance-auth: ${label} client ${clientId}`);
  const suite = spawn(process.execPath, [
    join(suiteDir, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'), 'authorization',
    '--url', issuer, '--client-id', clientId, '--resource', `${issuer}/mcp`, '--port', String(cbPort),
    '--output-dir', results,
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
        if (!res.ok) fail(`${label}: the authorization redirect ended with ${res.status}`);
      } catch (e) {
        fail(`${label}: visiting the authorization URL failed: ${e.message}`);
      }
    }
  });
  const code = await new Promise((resolve) => suite.on('close', resolve));
  if (code !== 0) fail(`${label}: the suite exited ${code}`);
  for (const dir of readdirSync(results)) {
    for (const check of JSON.parse(readFileSync(join(results, dir, 'checks.json'), 'utf8'))) {
      if (check.status === 'WARNING') fail(`${label}: ${check.id} warns: ${check.errorMessage}`);
    }
  }
}
