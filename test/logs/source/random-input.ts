/** Random input for the line splitter tests: garbage bytes cut into chunks of random length. */

/** A line limit and bytes to split, biased towards newlines, CRs and UTF-8 lead/continuation bytes. */
export function randomLines(rand: () => number, round: number): { max: number; data: Buffer } {
  const max = 1 + Math.floor(rand() * 300);
  const len = Math.floor(rand() * 20000);
  const data = Buffer.alloc(len);
  const pool = [0x0a, 0x0d, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0xff, 0x41, 0x20];
  for (let i = 0; i < len; i++) data[i] = rand() < 0.5 ? pool[Math.floor(rand() * pool.length)]! : Math.floor(rand() * 256);
  // every third round also has lines of about the limit
  if (round % 3 === 0) for (let i = 0; i < len; i += 1 + Math.floor(rand() * 2 * max)) data[i] = 0x0a;
  return { max, data };
}

/** The length of the next chunk: mostly short, sometimes longer than many lines. */
export function chunkLength(rand: () => number): number {
  return 1 + Math.floor(rand() * (rand() < 0.2 ? 3000 : 40));
}
