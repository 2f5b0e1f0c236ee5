// A real TypeScript SDK client (@modelcontextprotocol/sdk, pinned in
// package.json) run by server/mcp_clients_test.go against `mcpvcr serve`:
//
//   node client.mjs URL
//
// It speaks a line protocol with the test on stdout/stdin so the test can
// drop and hold the listen stream at the right moments:
//
//   stdout "STEP <what>"       progress, for the test log
//   stdout "WHOAMI <json>"     the whoami tool's answer (the token's identity)
//   stdout "READY drop"        the listen stream carried a live notification;
//                              the test now drops it and holds the resume
//   stdin  "resume-held"       the client's resume GET (Last-Event-ID) is held
//   stdout "NOTIFY called"     a notification was sent while no stream was open
//   stdout "OK"                the held notification arrived after the resume
//
// Auth: with MCPVCR_OAUTH=1 the headless OAuth provider in
// headless-oauth.mjs is plugged in (DCR, authorize fetched with
// redirect: 'manual', token); otherwise no token is sent (serve --auth off).
import readline from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { authProviderFromEnv, logInbox } from './session-kit.mjs';

const url = new URL(process.argv[2]);
const fail = (msg) => { console.error(`client.mjs: ${msg}`); process.exit(1); };
setTimeout(() => fail('timed out after 60s'), 60_000).unref();

const stdin = readline.createInterface({ input: process.stdin });
const lines = [];
let lineWaiter = null;
stdin.on('line', (l) => { if (lineWaiter) { const w = lineWaiter; lineWaiter = null; w(l); } else lines.push(l); });
const nextLine = () => lines.length ? Promise.resolve(lines.shift()) : new Promise((r) => { lineWaiter = r; });

const logs = logInbox();
const waitLog = logs.wait;
const authProvider = await authProviderFromEnv();

function makeTransport() {
  return new StreamableHTTPClientTransport(url, {
    authProvider,
    reconnectionOptions: { initialReconnectionDelay: 20, maxReconnectionDelay: 500, reconnectionDelayGrowFactor: 1.5, maxRetries: 20 },
  });
}

// connect runs initialize; with an auth provider, the first attempt ends in
// UnauthorizedError after the headless authorize, then finishAuth trades
// the code for a token and the second attempt succeeds.
async function connect() {
  let t = makeTransport();
  try {
    await client.connect(t);
  } catch (e) {
    if (!authProvider || !(e instanceof UnauthorizedError)) throw e;
    await t.finishAuth(authProvider.code);
    t = makeTransport();
    await client.connect(t);
  }
  return t;
}

const client = new Client({ name: 'mcpvcr-ts-client', version: '0.0.0' });
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.add(n.params));

const transport = await connect();
console.log(`STEP initialized session=${transport.sessionId} protocol=${transport.protocolVersion ?? '?'}`);

const { tools } = await client.listTools();
const names = tools.map((t) => t.name).sort();
for (const want of ['echo', 'fail', 'notify', 'slow', 'whoami']) {
  if (!names.includes(want)) fail(`tools/list lacks ${want}: ${names}`);
}
console.log(`STEP tools/list ${names.join(',')}`);

const echo = await client.callTool({ name: 'echo', arguments: { text: 'hello from node' } });
if (echo.content?.[0]?.text !== 'hello from node') fail(`echo returned ${JSON.stringify(echo)}`);
const failed = await client.callTool({ name: 'fail', arguments: { message: 'as asked' } });
if (failed.isError !== true) fail(`fail returned ${JSON.stringify(failed)}`);
const who = await client.callTool({ name: 'whoami', arguments: {} });
console.log(`WHOAMI ${who.content?.[0]?.text}`);
console.log('STEP tools/call echo, fail, whoami');

await client.setLoggingLevel('info');
await client.callTool({ name: 'notify', arguments: { message: 'live' } });
await waitLog('live');
console.log('STEP notification on the listen stream');

console.log('READY drop');
if ((await nextLine()) !== 'resume-held') fail('expected resume-held');
await client.callTool({ name: 'notify', arguments: { message: 'while-dropped' } });
console.log('NOTIFY called');
await waitLog('while-dropped');
console.log('STEP resumed listen stream replayed the missed notification');

await transport.terminateSession();
await client.close();
console.log('OK');
process.exit(0);
