/** The Hono environment of this Worker: its bindings and what middleware puts on the context. */
import type { Config } from './config.js';

export interface AppEnv {
  Bindings: Env;
  Variables: { config: Config };
}
