// The lint rule lynq/catch-handles-or-rethrows (STYLE 7) on catches it must let pass and catches it must report.
import { describe, it } from 'node:test';
import { RuleTester, type Rule } from 'eslint';
import tseslint from 'typescript-eslint';

// The rule is plain JavaScript that eslint.config.js imports from the source tree, not a build output.
const { catchHandlesOrRethrows } = (await import(
  new URL('../../eslint-rules/catch-handles-or-rethrows.js', import.meta.url).href
)) as { catchHandlesOrRethrows: Rule.RuleModule };

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });

tester.run('lynq/catch-handles-or-rethrows', catchHandlesOrRethrows, {
  valid: [
    {
      name: 'a catch that handles a named error class and rethrows the rest',
      code: `
        try { parse(text); } catch (err) {
          if (!(err instanceof SyntaxError)) throw err;
          return undefined;
        }`,
    },
    {
      name: 'a catch that rethrows',
      code: `try { run(); } catch (err) { cleanUp(); throw err; }`,
    },
    {
      name: 'a catch that wraps what it caught',
      code: `try { run(); } catch (err) { throw transientError('DatabaseDown', 'down', { cause: err }); }`,
    },
    {
      name: 'a catch that records what it caught as an outcome',
      code: `try { await apply(); } catch (err) { return { outcome: 'failed', reason: messageOf(err) }; }`,
    },
    {
      name: 'a catch that logs and then rethrows',
      code: `try { run(); } catch (err) { logger.warn({ err }, 'Run failed'); throw err; }`,
    },
  ],
  invalid: [
    {
      name: 'a catch without a binding',
      code: `try { run(); } catch { }`,
      errors: [{ messageId: 'swallowed' }],
    },
    {
      name: 'a catch that never reads what it caught',
      code: `try { run(); } catch (err) { return undefined; }`,
      errors: [{ messageId: 'swallowed' }],
    },
    {
      name: 'a throw inside a nested function does not rethrow',
      code: `try { run(); } catch (err) { later(() => { throw new Error('x'); }); }`,
      errors: [{ messageId: 'swallowed' }],
    },
    {
      name: 'a catch that only logs',
      code: `try { run(); } catch (err) { logger.warn({ err }, 'Run failed'); }`,
      errors: [{ messageId: 'loggedOnly' }],
    },
    {
      name: 'a catch that only logs and returns',
      code: `try { run(); } catch (err) { log.error(err); return; }`,
      errors: [{ messageId: 'loggedOnly' }],
    },
  ],
});
