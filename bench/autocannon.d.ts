// The part of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    setupRequest?: (request: Request) => Request
  }
  interface Histogram {
    average: number
    total: number
    p99: number
  }
  interface Result {
    requests: Histogram
    latency: Histogram
    non2xx: number
    errors: number
  }
  interface Options {
    url: string
    connections?: number
    duration?: number
    requests?: Request[]
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
