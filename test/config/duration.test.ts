// Go-style duration strings: accepted forms, exact millisecond values, and the message for each mistake.
import t from 'tap';
import { MAX_DURATION_MS, parseDuration } from '../../src/config/duration.js';

t.test('valid durations convert to whole milliseconds', async (t) => {
  const table: Array<[string, number]> = [
    ['150ms', 150],
    ['2s', 2_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1_500],
    ['1.1s', 1_100],
    ['.5m', 30_000],
    ['1ms', 1],
    ['2147483647ms', MAX_DURATION_MS],
  ];
  for (const [text, ms] of table) t.same(parseDuration(text), { ok: true, ms }, text);
});

t.test('invalid durations say what is wrong and what was found', async (t) => {
  const table: Array<[string, string]> = [
    ['60', 'expected a duration like 2s, found 60 (add a unit: ms, s, m or h)'],
    ['1.5', 'expected a duration like 2s, found 1.5 (add a unit: ms, s, m or h)'],
    ['', 'expected a duration like 2s, found ""'],
    ['-1s', 'expected a duration like 2s, found "-1s"'],
    ['2 s', 'expected a duration like 2s, found "2 s": every number needs a unit (ms, s, m or h)'],
    ['1m30', 'expected a duration like 2s, found "1m30": every number needs a unit (ms, s, m or h)'],
    ['5sec', 'unknown unit "sec", found "5sec"; use ms, s, m or h'],
    ['2S', 'unknown unit "S", found "2S"; use ms, s, m or h'],
    ['500us', 'unit "us" is finer than Sluice\'s millisecond resolution, found "500us"; use ms, s, m or h'],
    ['1.5ms', 'must be a whole number of milliseconds, found "1.5ms"'],
    ['0s', 'must be greater than 0, found "0s"'],
    ['0h0m', 'must be greater than 0, found "0h0m"'],
    ['597h', 'must be at most 2147483647ms (about 24.8 days), found "597h"'],
  ];
  for (const [text, reason] of table) t.same(parseDuration(text), { ok: false, reason }, text);
});
