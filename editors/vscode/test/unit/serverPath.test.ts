import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { resolveServer, serverArgs, type ResolveInput } from '../../src/serverPath';

function input(over: Partial<ResolveInput>, executables: string[]): ResolveInput {
  return {
    configured: '',
    pathEnv: '/usr/bin:/home/u/go/bin',
    extensionPath: '/ext',
    homeDir: '/home/u',
    platform: 'linux',
    isExecutable: (p) => executables.includes(p),
    ...over,
  };
}

describe('resolveServer', () => {
  const cases: { name: string; over: Partial<ResolveInput>; exe: string[]; want: string | RegExp }[] = [
    { name: 'setting wins', over: { configured: '/opt/llxprt-ls' }, exe: ['/opt/llxprt-ls', '/usr/bin/llxprt-ls'], want: '/opt/llxprt-ls' },
    { name: 'setting with ~', over: { configured: '~/bin/llxprt-ls' }, exe: ['/home/u/bin/llxprt-ls'], want: '/home/u/bin/llxprt-ls' },
    { name: 'bad setting is reported, not ignored', over: { configured: '/nope' }, exe: ['/usr/bin/llxprt-ls'], want: /llxprt.serverPath is "\/nope", which is not an executable file/ },
    { name: 'PATH in order', over: {}, exe: ['/home/u/go/bin/llxprt-ls', '/usr/bin/llxprt-ls'], want: '/usr/bin/llxprt-ls' },
    { name: 'bundled after PATH', over: {}, exe: ['/ext/bin/llxprt-ls'], want: '/ext/bin/llxprt-ls' },
    { name: 'missing says how to install', over: {}, exe: [], want: /go install github.com\/llxprt\/llxprt-ls\/cmd\/llxprt-ls@latest/ },
    { name: 'empty PATH entries are skipped', over: { pathEnv: ':/usr/bin' }, exe: ['llxprt-ls', '/usr/bin/llxprt-ls'], want: '/usr/bin/llxprt-ls' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resolveServer(input(c.over, c.exe));
      if (typeof c.want === 'string') {
        assert.deepEqual(r.ok && r.path, c.want);
      } else {
        assert.ok(!r.ok);
        assert.match(r.message, c.want);
      }
    });
  }
});

describe('serverArgs', () => {
  it('builds the lsp command line', () => {
    assert.deepEqual(serverArgs({ profile: 'x', logLevel: 'debug', demo: true, configDir: ' /cfg ' }), ['lsp', '--config-dir', '/cfg', '--log-level', 'debug', '--demo']);
    assert.deepEqual(serverArgs({ profile: '', logLevel: '', demo: false, configDir: '' }), ['lsp']);
  });
});
