import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    // import.meta.url is used to find express-session; the shim gives the CommonJS build its equivalent.
    shims: true,
    target: 'node20',
    sourcemap: true,
    // Hand-written declarations the bundled ones import as they are (see types/express-session-data.d.cts).
    external: [/\/types\//],
  },
  {
    entry: { connect: 'src/store/connect.cts' },
    format: ['cjs'],
    // Its declaration is types/connect.d.cts: the bundler would turn `export =` into a default export.
    dts: false,
    target: 'node20',
    external: ['./index.cjs'],
  },
])
