import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'tsup'

const ROOT = resolve(import.meta.dirname, '../..')

export interface IsolatedPackage {
  /** A folder whose node_modules holds the built package and only the packages named. */
  dir: string
  remove(): Promise<void>
}

/**
 * The package built from src/ with tsup (ESM and CommonJS, as `npm run build` makes them) and
 * installed in a fresh temp folder, next to symlinks to its own dependencies and only the given packages
 * of this checkout, so that whatever the package loads must be found there or not at all.
 */
export async function isolatedPackage(dependencies: readonly string[]): Promise<IsolatedPackage> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-session-store-isolated-'))
  try {
    const modules = join(dir, 'node_modules')
    const packageDir = join(modules, 'redis-session-store')
    await mkdir(packageDir, { recursive: true })
    await build({
      config: false,
      silent: true,
      entry: { index: join(ROOT, 'src/index.ts') },
      format: ['esm', 'cjs'],
      shims: true,
      dts: false,
      target: 'node20',
      outDir: join(packageDir, 'dist'),
      tsconfig: join(ROOT, 'tsconfig.json'),
    })
    const { default: manifest } = await import(join(ROOT, 'package.json'), { with: { type: 'json' } })
    await writeFile(join(packageDir, 'package.json'), JSON.stringify(manifest, null, 2))
    for (const name of [...Object.keys(manifest.dependencies ?? {}), ...dependencies]) {
      await mkdir(join(modules, name, '..'), { recursive: true })
      await symlink(join(ROOT, 'node_modules', name), join(modules, name), 'dir')
    }
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'isolated-app', private: true }))
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
