/** The pipeline's lineRanges handler counts exactly what its lines handler counts. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry } from 'prom-client';
import { silentLogger } from '../../src/logger.js';
import { createPipeline } from '../../src/logs/pipeline.js';
import { DEFAULT_PARSER_OPTIONS } from '../../src/logs/parsers/types.js';
import { LineBatch, LineSplitter } from '../../src/logs/source/line-splitter.js';
import { createLogMetrics } from '../../src/metrics/log-metrics.js';
import { CORPUS_NOW, corpusLogFiles } from '../helpers/corpus.js';


function setup() {
  const registry = new Registry();
  const metrics = createLogMetrics(registry, { peerWindowMs: 3_600_000, peerTop: 50, now: () => CORPUS_NOW });
  const pipeline = createPipeline({ id: 'f', format: 'auto', parserOptions: DEFAULT_PARSER_OPTIONS, metrics, logger: silentLogger, now: () => CORPUS_NOW });
  return { registry, pipeline };
}

test('every corpus file, in small chunks: same metrics through lineRanges as through lines', async () => {
  const data = Buffer.concat(corpusLogFiles().map((f) => readFileSync(f)));
  const a = setup();
  const b = setup();
  const sa = new LineSplitter();
  const sb = new LineSplitter();
  const batch = new LineBatch();
  for (let i = 0; i < data.length; i += 777) {
    const chunk = Buffer.from(data.subarray(i, i + 777));
    const lines = sa.push(chunk);
    if (lines.length > 0) a.pipeline.handlers.lines(lines);
    sb.pushRanges(chunk, batch);
    if (batch.count > 0) b.pipeline.handlers.lineRanges!(batch);
  }
  a.pipeline.drain();
  b.pipeline.drain();
  const text = async (r: Registry) => (await r.metrics()).split('\n').filter((l) => l.startsWith('smtp_tls_')).join('\n');
  const ta = await text(a.registry);
  assert.ok(/smtp_tls_handshakes_total\{/.test(ta), 'handshakes counted');
  assert.ok(/smtp_tls_peer_failures\{/.test(ta), 'peers listed');
  assert.is(await text(b.registry), ta);
});

test.run();
