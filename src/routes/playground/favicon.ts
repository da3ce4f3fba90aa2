/**
 * GET /favicon.ico: a 32×32 icon (an ICO holding one PNG, 575 bytes: a blue tile with a sun and hills), so browsers
 * stop asking the Worker for a 404 on every visit. Cached a day by browsers and Workers Cache.
 */
import type { Context } from 'hono';

const FAVICON_BASE64 = 'AAABAAEAICAAAAEAIAApAgAAFgAAAIlQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgDAAAARKSKxgAAAMZQTFRFTGlxHm/qH27rHm7qHHHsHm7sKn//Hm7rJG3aH2/rHm/qHm/rHm3pHm7qHm7qHm/qH2/r/////9M9lrz2j7f19M5GOHrX881Hs7F38MxJubR0tLJ3OHrYtrJ1QX7QSYrvOH/tMHrs2uf88s5HYZnx/v7//f7/hrH09fn+9Pj+7stK+/z/f6307/X+To3v5u/9b6Ly78xKZJzxRIfuy976J3Ts5/D9vtX5qsj3N37tI3Lrmb32IHDr1OP7Knbsv9b5I3HrnsH2NeZbcQAAABB0Uk5TAMf0yBtsBs8H827QbcnG8Z9U9sQAAAAJcEhZcwAACxMAAAsTAQCanBgAAADtSURBVHjajdNpU8IwEIDhQm8OyUJ60QPxFhWUW1HB//+nTFOi1nRT3i/pTJ52pjO7mnZCTktvEqmm3nGKe6NNkGyDv4/eM5F/o0UUmQx0VaDBgKsCLgPHRz/1vGEmiR/gv/RZkY+CtM+LUeAVIKgDlygYFiBEQRbl95MEBcSPgyBM8N/EKoPbgRo8X8NABa4eAISgjzKY3gEIQeFm/h8sngCEoOy4H5XB+QxElPJj/foXjC9A6uPzF6yWUNH+IMDbBir74sAl71tAIj0+tDtAQT60nbqxd2zF4lh89Wz16mmaZTYqlsM9M61TVv8bRNE8KRP3tEEAAAAASUVORK5CYII=';

const favicon = Uint8Array.from(atob(FAVICON_BASE64), (char) => char.charCodeAt(0));

export function serveFavicon(c: Context): Response {
  return new Response(favicon.slice(), {
    headers: { 'Content-Type': 'image/x-icon', 'Cache-Control': 'public, max-age=86400' },
  });
}
