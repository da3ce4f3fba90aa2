// What the local scripts that start their own `wrangler dev` (flood, replay) share: a free loopback port, the last
// lines of a log, and stopping the process group they started.
import fs from 'node:fs';
import net from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The last `lines` lines of a file, or '' when it cannot be read. */
export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Whether any process of the group is still alive. */
export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops a process group we started (`child` its leader): SIGTERM, then SIGKILL to what is left after 8 s.
 * `log` says when it had to force it, or could not.
 */
export async function stopGroup({ child, pgid }, log) {
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {}
  const deadline = Date.now() + 8000;
  while ((child.exitCode === null && child.signalCode === null) || groupAlive(pgid)) {
    if (Date.now() > deadline) {
      log(`wrangler dev (process group ${pgid}) did not stop on SIGTERM; sending SIGKILL`);
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {}
      await pause(500);
      break;
    }
    await pause(100);
  }
  if (groupAlive(pgid)) log(`warning: process group ${pgid} is still alive`);
}
