// A whole TypeScript SDK session with no input, for `make fixtures`
// (internal/recordfixtures, entry typescript_sdk_oauth_session): the real
// @modelcontextprotocol/sdk client (pinned in package.json) runs
//
//   OAuth (headless-oauth.mjs: 401, discovery, DCR, PKCE, token),
//   initialize, notifications/initialized, the GET listen stream,
//   tools/list, logging/setLevel, tools/call echo, notify (its log message
//   arrives on the listen stream), whoami, DELETE, close
//
// and exits 0, or 1 with the reason on stderr.
//
//   MCPVCR_OAUTH=1 node record-session.mjs URL/mcp
//
// client.mjs is the interactive one server/mcp_clients_test.go drives over
// stdin; this one never reads stdin.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { authProviderFromEnv, logInbox } from './session-kit.mjs';

const url = new URL(process.argv[2]);
const fail = (msg) => { console.error(`record-session.mjs: ${msg}`); process.exit(1); };
setTimeout(() => fail('timed out after 50s'), 50_000).unref();

// listenOpen resolves when the transport's GET listen stream got its 200:
// a notification sent before that would not be on the listen stream.
let listenOpened;
const listenOpen = new Promise((resolve) => { listenOpened = resolve; });
async function watchingFetch(input, init) {
  const res = await fetch(input, init);
  if ((init?.method ?? 'GET') === 'GET' && res.ok && (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) listenOpened();
  return res;
}

const logs = logInbox();
const waitLog = logs.wait;
const authProvider = await authProviderFromEnv();

const makeTransport = () => new StreamableHTTPClientTransport(url, { authProvider, fetch: watchingFetch });

const client = new Client({ name: 'mcpvcr-ts-client', version: '0.0.0' });
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.add(n.params));

// The first connect ends in UnauthorizedError after the headless
// authorize; finishAuth trades the code for a token, then connect again.
let transport = makeTransport();
try {
  await client.connect(transport);
} catch (e) {
  if (!authProvider || !(e instanceof UnauthorizedError)) fail(`connect: ${e?.stack ?? e}`);
  await transport.finishAuth(authProvider.code);
  transport = makeTransport();
  await client.connect(transport);
}
console.log(`STEP initialized session=${transport.sessionId} protocol=${transport.protocolVersion ?? '?'}`);
await listenOpen;
console.log('STEP listen stream open');

const { tools } = await client.listTools();
const names = tools.map((t) => t.name).sort();
for (const want of ['echo', 'notify', 'whoami']) {
  if (!names.includes(want)) fail(`tools/list lacks ${want}: ${names}`);
}
console.log(`STEP tools/list ${names.join(',')}`);

await client.setLoggingLevel('info');
const echo = await client.callTool({ name: 'echo', arguments: { text: 'hello from the typescript sdk' } });
if (echo.content?.[0]?.text !== 'hello from the typescript sdk') fail(`echo returned ${JSON.stringify(echo)}`);
await client.callTool({ name: 'notify', arguments: { message: 'live' } });
await waitLog('live');
console.log('STEP notification on the listen stream');
const who = await client.callTool({ name: 'whoami', arguments: {} });
console.log(`STEP whoami ${who.content?.[0]?.text}`);

await transport.terminateSession();
await client.close();
console.log('OK');
process.exit(0);
