// The page's MCP client: the TypeScript SDK's Client over its Streamable
// HTTP transport, as a web app would use it, bundled by esbuild. The Go
// side calls window.mcpvcrRun({server, token}) through the DevTools
// protocol and gets back what the session did, step by step.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

window.mcpvcrRun = async ({ server, token }) => {
  const steps = [];
  const transport = new StreamableHTTPClientTransport(new URL(server), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'mcpvcr-browser-page', version: '1.0.0' });
  try {
    await client.connect(transport);
    steps.push(`initialize: session ${transport.sessionId ? 'seen' : 'not seen'}`);
    const { tools } = await client.listTools();
    steps.push(`tools/list: ${tools.length} tools`);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    steps.push(`tools/call whoami: ${result.isError ? 'error' : 'ok'}`);
    await transport.terminateSession();
    steps.push('DELETE: session ended');
    await client.close();
    return { ok: true, steps };
  } catch (e) {
    return { ok: false, steps, error: String((e && e.message) || e) };
  }
};
window.mcpvcrReady = true;
