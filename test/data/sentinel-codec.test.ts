import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entityTypes, isPlainTagName, makeTagCodec, tagCodec } from '../../src/data/sentinel-codec.js';
import { fromTargetText, toTarget } from '../../src/data/sentinel.js';

test('ordinary dataset types are written as they are', () => {
  const ordinary = [
    'fromloc.city_name', 'depart_date.day_number', 'Actor', 'Character_Name', 'RATINGS_AVERAGE', 'PER', 'MISC',
    'creative-work', 'reminder/todo', 'weather/temperatureUnit', 'SL:DATE_TIME', 'B-x', 'Io', 'OI', 'i', 'o',
  ];
  const codec = makeTagCodec(ordinary);
  assert.equal(codec.renamed.size, 0);
  for (const t of ordinary) {
    assert.ok(isPlainTagName(t), t);
    assert.equal(codec.encode(t), t);
    assert.equal(codec.decode(t), t);
  }
});

test('types that would not survive the tokenizer or read as sBIO markers are renamed, losslessly', () => {
  // Hand-written escapes: letters/digits kept, other characters as .<hex code point>.
  const cases: [string, string][] = [
    ['I', 'esc.I'],
    ['O', 'esc.O'],
    ['time zone', 'esc.time.20.zone'],
    ['a{b}', 'esc.a.7b.b.7d.'],
    ['<extra_id_5>', 'esc..3c.extra.5f.id.5f.5.3e.'],
    ['ｆｕｌｌ', 'esc..ff46..ff55..ff4c..ff4c.'],
    ['café', 'esc.caf.e9.'],
    ['.dot', 'esc..2e.dot'],
    ["n't", 'esc.n.27.t'],
    ['esc.x', 'esc.esc.2e.x'],
    ['😀', 'esc..1f600.'],
    ['', 'esc.'],
  ];
  const codec = makeTagCodec(cases.map(([t]) => t));
  for (const [type, name] of cases) {
    assert.equal(codec.encode(type), name, type);
    assert.equal(codec.decode(name), type, name);
    assert.equal(codec.renamed.get(type), name);
    assert.match(name, /^[A-Za-z0-9._]+$/, 'the written name uses only letters, digits, . and _');
  }
  // Through the whole Sentinel+Tag path: a type literally named I is not confused with "inside".
  const tags = ['B-I', 'I-I', 'O', 'B-O', 'B-time zone', 'I-time zone'];
  const target = toTarget(tags, codec);
  assert.equal(target, '<extra_id_0> esc.I <extra_id_1> I <extra_id_2> O <extra_id_3> esc.O <extra_id_4> esc.time.20.zone <extra_id_5> I <extra_id_6>');
  assert.deepEqual(fromTargetText(target.replace(/<extra_id_\d+>/g, ' '), codec), tags);
});

test('garbled escapes from a model pass through unchanged; the mapping is injective', () => {
  for (const g of ['esc.a.zz.', 'esc..41.', 'esc..0041.', 'esc.a.2e', 'esc..d800.', 'esc.é']) assert.equal(tagCodec.decode(g), g);
  const many = ['I', 'O', 'esc.I', 'esc.esc.I', 'a b', 'a.20.b', 'esc.a.20.b', 'x', ''];
  const names = many.map(tagCodec.encode);
  assert.equal(new Set(names).size, many.length);
  for (let i = 0; i < many.length; i++) assert.equal(tagCodec.decode(names[i]), many[i]);
});

test('entityTypes collects types from IOB2 tags in first-seen order', () => {
  assert.deepEqual(entityTypes([['O', 'B-A', 'I-A'], ['I-B', 'B-A', 'B-creative-work']]), ['A', 'B', 'creative-work']);
});
