// The `pg` driver, loaded with the first PostgreSQL hub: an operator without one never holds it (≈ 8 MB of RSS).
import { createRequire } from 'node:module';
import type pg from 'pg';

const require = createRequire(import.meta.url);

let loaded: typeof pg | undefined;

/** The driver module, loaded on first use (synchronously: pools are created synchronously). */
export const pgModule = (): typeof pg => (loaded ??= require('pg') as typeof pg);
