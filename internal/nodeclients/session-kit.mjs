// What client.mjs and record-session.mjs both need besides the SDK: the
// auth provider the environment asks for, and an inbox of the log messages
// (notifications/message) the client received, to wait on one.

// authProviderFromEnv returns the headless OAuth provider of
// headless-oauth.mjs when MCPVCR_OAUTH=1, else undefined (no token sent).
export async function authProviderFromEnv() {
  if (process.env.MCPVCR_OAUTH !== '1') return undefined;
  const { HeadlessOAuthProvider } = await import('./headless-oauth.mjs');
  return new HeadlessOAuthProvider();
}

// logInbox collects log message params (add, from the notification
// handler) and resolves wait(text) once one whose data, or data.message,
// is text has arrived.
export function logInbox() {
  const logs = [];
  let waiter = null;
  const find = (text) => logs.find((p) => p.data === text || p.data?.message === text);
  return {
    add(params) {
      logs.push(params);
      if (waiter) waiter();
    },
    wait(text) {
      if (find(text)) return Promise.resolve(find(text));
      return new Promise((resolve) => { waiter = () => { if (find(text)) { waiter = null; resolve(find(text)); } }; });
    },
  };
}
