// At the top of src/ so that the path below, kept as it is in dist/'s declarations, points at types/ from there too.
export type { ExpressSessionDataOr } from '../types/express-session-data.cjs'
