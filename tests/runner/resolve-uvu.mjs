// Module hook: every `import ... from 'uvu'` in a test file gets the guarded uvu instead, so no test file can opt
// out of the guard by the way it is written. The guarded module itself imports the real one.
const guarded = new URL('./guarded-uvu.ts', import.meta.url).href

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'uvu' && context.parentURL !== guarded) return { url: guarded, shortCircuit: true }
  return nextResolve(specifier, context)
}
