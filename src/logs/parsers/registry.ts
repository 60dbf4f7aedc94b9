/** The MTA formats the exporter knows: the one name → implementation map used by config and dispatch. */
import { eximFormat } from './exim.js';
import { momentumFormat } from './momentum.js';
import { opensmtpdFormat } from './opensmtpd.js';
import { postfixFormat } from './postfix.js';
import { sendmailFormat } from './sendmail.js';
import type { Mta, MtaFormat } from './types.js';

export const MTA_FORMATS: readonly MtaFormat[] = [postfixFormat, eximFormat, sendmailFormat, opensmtpdFormat, momentumFormat];

/** Values allowed for `logs[].format`. */
export const FORMAT_NAMES: readonly string[] = ['auto', ...MTA_FORMATS.map((f) => f.mta)];

export function formatFor(mta: Mta): MtaFormat | undefined {
  return MTA_FORMATS.find((f) => f.mta === mta);
}
