import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'

const ROOT = resolve(import.meta.dirname, '../..')
// What `npm pack` ships (package.json's files): the built package must be built first (npm test builds it).
const SHIPPED = ['package.json', 'dist', 'types']

export interface TypeCheckProject {
  /** The project's source files by name (app.ts, app.mts, app.cts). */
  files: Record<string, string>
  compilerOptions: Record<string, unknown>
  /** Packages of this checkout the project does not have (scoped ones by their full name). */
  without?: readonly string[]
}

/**
 * tsc's complaints about a TypeScript project of a user's, or '' for none. Its node_modules holds a copy of the
 * package as it ships (so that nothing is found through this checkout's own node_modules) and links to this
 * checkout's other packages but those it is `without`.
 */
export async function typeCheck({ files, compilerOptions, without = [] }: TypeCheckProject): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-session-store-types-'))
  try {
    const modules = join(dir, 'node_modules')
    for (const name of await packagesOf(join(ROOT, 'node_modules'))) {
      if (without.includes(name) || name === 'redis-session-store') continue
      await mkdir(dirname(join(modules, name)), { recursive: true })
      await symlink(join(ROOT, 'node_modules', name), join(modules, name))
    }
    for (const entry of SHIPPED)
      await cp(join(ROOT, entry), join(modules, 'redis-session-store', entry), { recursive: true })
    const options = { strict: true, noEmit: true, skipLibCheck: false, types: ['node'], ...compilerOptions }
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: Object.keys(files) }))
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true }))
    for (const [name, source] of Object.entries(files)) await writeFile(join(dir, name), source)
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    return await promisify(execFile)(process.execPath, [tsc, '-p', dir]).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function packagesOf(modules: string): Promise<string[]> {
  const names: string[] = []
  for (const name of await readdir(modules)) {
    if (name.startsWith('.')) continue
    if (name.startsWith('@')) for (const inner of await readdir(join(modules, name))) names.push(`${name}/${inner}`)
    else names.push(name)
  }
  return names
}
