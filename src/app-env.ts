/** The Hono environment of this Worker: its bindings and what middleware puts on the context. */
import type { Config } from './config.js';
import type { EventNotes } from './observe/event.js';

export interface AppEnv {
  Bindings: Env;
  Variables: { config: Config; event?: EventNotes };
}
