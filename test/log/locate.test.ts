import t from 'tap'
import {join} from 'node:path'
import {locateLog, logDirForConfig} from '../../src/lib/log/locate.js'

t.test('the log of a config file sits beside it', async (t) => {
  t.equal(logDirForConfig('/etc/xen/dom1.cfg'), '/etc/xen/dom1.reseer')
  t.equal(logDirForConfig('guests/smp'), 'guests/smp.reseer')
})

t.test('NAME|DIR|CFG resolves to the log directory', async (t) => {
  const root = t.testdir({
    work: {'dom1.reseer': {}, 'plain-dir': {}},
    xen: {'dom1.cfg': 'name = "dom1"\n', 'dom2.cfg': 'name = "dom2"\n', 'dom2.reseer': {}, 'dom3.reseer': {}},
  })
  const cwd = join(root, 'work')
  const configDir = join(root, 'xen')
  const at = (target: string): string => locateLog(target, {cwd, configDir})
  t.equal(at('plain-dir'), join(cwd, 'plain-dir'), 'an existing directory is used as it is')
  t.equal(at(join(configDir, 'dom2.cfg')), join(configDir, 'dom2.reseer'), 'a config file gives the log beside it')
  t.equal(at('dom1'), join(cwd, 'dom1.reseer'), 'a name is looked for in the current directory first')
  t.equal(at('dom3'), join(configDir, 'dom3.reseer'), 'then beside the configs')
  t.throws(() => at(join(configDir, 'dom1.cfg')), {message: `no log for config ${join(configDir, 'dom1.cfg')}: ${join(configDir, 'dom1.reseer')} does not exist`, code: 'ENOLOG'})
  t.throws(() => at('dom9'), {message: `no log for domain dom9: looked for ${join(cwd, 'dom9.reseer')} and ${join(configDir, 'dom9.reseer')}`})
  t.throws(() => at('./missing/dir'), {message: 'no such log directory or config file: ./missing/dir'})
})
