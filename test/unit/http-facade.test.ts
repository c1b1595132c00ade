import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as facade from '../../src/http-facade.ts';

const http = createRequire(import.meta.url)('node:http') as Record<string, unknown>;
/** The exports the facade leaves out on purpose: each loads Node's bundled undici. */
const LEFT_OUT = ['WebSocket', 'CloseEvent', 'MessageEvent'];

describe('the node:http facade (src/http-facade.ts)', () => {
  it("exports every name of this Node's node:http but the three web globals, plus the module as default", () => {
    expect(Object.keys(facade).sort()).toEqual([...Object.keys(http).filter((name) => !LEFT_OUT.includes(name)), 'default'].sort());
  });

  it('exports the very values of node:http', () => {
    for (const name of Object.keys(facade)) {
      if (name === 'default') expect(facade.default).toBe(http);
      else expect((facade as Record<string, unknown>)[name], name).toBe(http[name]);
    }
  });
});
