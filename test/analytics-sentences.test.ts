// The generated sentences, in English and French, from histories written by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outagesOf } from '../src/analytics/outages.js';
import { incidentSentence, serviceSentence } from '../src/analytics/sentences.js';
import { clockDuration, incidentSentenceText, serviceSentenceText } from '../src/i18n/history.js';
import { at, incident } from './helpers/history.js';

const june = incident({ id: 'june', service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-06-04T07:21:00Z', end: '2024-06-04T13:45:00Z' });
const dec11 = incident({ id: 'dec11', service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-11T23:07:00Z', end: '2024-12-12T05:09:00Z' });
const partial = incident({ id: 'partial', service: 'chatgpt', components: { 'chatgpt/web': 'partial_outage' }, start: '2024-12-20T10:00:00Z', end: '2024-12-20T10:40:00Z' });
const dec26 = incident({ id: 'dec26', service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-26T18:30:00Z', end: '2024-12-26T21:45:00Z' });
const all = outagesOf([june, dec11, partial, dec26]);
const o = (id: string) => all.find((x) => x.id === id)!;

test('second major outage this month, the last one 14 days ago', () => {
  const f = incidentSentence('ChatGPT', o('dec26'), all, 'UTC');
  // The partial outage between them is not a major one: it neither counts nor is "the last one".
  assert.equal(f.rankThisMonth, 2);
  assert.equal(f.previous!.durationMs, at('2024-12-12T05:09:00Z') - at('2024-12-11T23:07:00Z'));
  assert.equal(incidentSentenceText('en', f), 'Second major outage of ChatGPT this month; the last one, 14 days ago, lasted 6 h 02 min.');
  assert.equal(incidentSentenceText('fr', f), 'Deuxième panne majeure de ChatGPT ce mois-ci\u202f; la dernière, il y a 14 jours, a duré 6 h 02 min.');
});

test('first of the month, the previous one months ago is given by its date', () => {
  const f = incidentSentence('ChatGPT', o('dec11'), all, 'UTC');
  assert.equal(f.rankThisMonth, 1);
  assert.equal(incidentSentenceText('en', f), 'First major outage of ChatGPT this month; the previous one, on 4 Jun 2024, lasted 6 h 24 min.');
  assert.equal(incidentSentenceText('fr', f), 'Première panne majeure de ChatGPT ce mois-ci\u202f; la précédente, le 4 juin 2024, a duré 6 h 24 min.');
});

test('the first one on record, and an outage that is not major', () => {
  assert.equal(incidentSentenceText('en', incidentSentence('ChatGPT', o('june'), all, 'UTC')), 'First major outage of ChatGPT recorded by Vigie.');
  assert.equal(incidentSentenceText('fr', incidentSentence('OpenAI', o('june'), all, 'UTC')), 'Première panne majeure d’OpenAI enregistrée par Vigie.');
  const p = incidentSentence('ChatGPT', o('partial'), all, 'UTC');
  assert.equal(p.rankThisMonth, 2);
  assert.equal(incidentSentenceText('en', p), 'Second outage of ChatGPT this month; the last one, 8 days ago, lasted 6 h 02 min.');
});

test('"this month" follows the history time zone', () => {
  // 23:07 UTC on 30 November is 00:07 on 1 December in Paris.
  const nov30 = outagesOf([incident({ id: 'n30', service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-11-30T23:07:00Z', end: '2024-11-30T23:30:00Z' })]);
  const list = [...nov30, o('dec11')];
  assert.equal(incidentSentence('ChatGPT', o('dec11'), list, 'UTC').rankThisMonth, 1);
  assert.equal(incidentSentence('ChatGPT', o('dec11'), list, 'Europe/Paris').rankThisMonth, 2);
});

test('the service sentence: last outage and the month so far', () => {
  const f = serviceSentence('ChatGPT', all, at('2024-12-29T21:45:00Z'));
  assert.equal(serviceSentenceText('en', f), 'Last outage of ChatGPT: 3 days ago, it lasted 3 h 15 min; 3 outages in the last 30 days (2 major).');
  assert.equal(serviceSentenceText('fr', f), 'Dernière panne de ChatGPT\u00a0: il y a 3 jours, elle a duré 3 h 15 min\u202f; 3 pannes sur les 30 derniers jours (dont 2 majeures).');
  const ongoing = outagesOf([incident({ service: 'chatgpt', components: { 'chatgpt/web': 'major_outage' }, start: '2024-12-29T20:00:00Z' })]);
  assert.equal(serviceSentenceText('en', serviceSentence('ChatGPT', ongoing, at('2024-12-29T21:45:00Z'))), 'Major outage of ChatGPT going on for 1 h 45 min; 1 outage in the last 30 days (1 major).');
  assert.equal(serviceSentenceText('en', serviceSentence('ChatGPT', [], at('2024-12-29T21:45:00Z'))), 'No outage of ChatGPT recorded by Vigie.');
  assert.equal(serviceSentenceText('fr', serviceSentence('ChatGPT', [], at('2024-12-29T21:45:00Z'))), 'Aucune panne de ChatGPT enregistrée par Vigie.');
});

test('durations read as a clock: minutes padded after hours', () => {
  assert.equal(clockDuration('en', 6 * 3_600_000 + 2 * 60_000), '6 h 02 min');
  assert.equal(clockDuration('fr', 45 * 60_000), '45 min');
  assert.equal(clockDuration('en', 50 * 3_600_000), '2 d 2 h');
  assert.equal(clockDuration('fr', 50 * 3_600_000), '2 j 2 h');
});
