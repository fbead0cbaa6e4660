function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((settle) => {
    resolve = settle
  })
  return { promise, resolve }
}

/** Requests a handler holds at a named gate until the test opens it: the order is the test's, not the event loop's. */
export class Gates {
  private readonly waiting = new Map<
    string,
    { arrived: ReturnType<typeof deferred>; open: ReturnType<typeof deferred> }
  >()
  private gate(name: string) {
    let gate = this.waiting.get(name)
    if (!gate) {
      gate = { arrived: deferred(), open: deferred() }
      this.waiting.set(name, gate)
    }
    return gate
  }
  /** In the handler: says it is there, then waits to be let through. */
  async pass(name: string): Promise<void> {
    const gate = this.gate(name)
    gate.arrived.resolve()
    await gate.open.promise
  }
  arrived = (name: string) => this.gate(name).arrived.promise
  open = (name: string) => this.gate(name).open.resolve()
}
