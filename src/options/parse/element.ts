/** One `name=value` element of an option segment: splitting the segment, reading a name, and the 400s that name it. */

import { ImageError } from '../../http/problem.js';
import { aliases, optionNames, unsupportedNames, type OptionName } from './names.js';

/** One `name=value` element, with the name as written (for messages) and its full name. */
export interface Element {
  written: string;
  name: OptionName;
  value: string;
}

export function invalid(detail: string): ImageError {
  return new ImageError(400, 'invalid-option', detail);
}

/** A value echoed in a message, quoted and cut short so a problem body stays small. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

export function label(element: Element): string {
  return element.written === element.name ? element.name : `${element.written} (${element.name})`;
}

export function badValue(element: Element, expected: string): ImageError {
  return invalid(`option ${label(element)} must be ${expected}, got ${quote(element.value)}`);
}

/** Splits on commas outside parentheses, so `background=rgb(1,2,3)` stays one element. */
export function splitSegment(segment: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i];
    if (char === '(') depth++;
    else if (char === ')' && depth > 0) depth--;
    else if (char === ',' && depth === 0) {
      parts.push(segment.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(segment.slice(start));
  return parts;
}

export function readElement(raw: string, index: number): Element {
  if (raw === '') throw invalid(`empty option at position ${index + 1}`);
  const equals = raw.indexOf('=');
  if (equals === -1) throw invalid(`option ${quote(raw)} has no value (expected name=value)`);
  const written = raw.slice(0, equals);
  const value = raw.slice(equals + 1);
  if (written === '') throw invalid(`option with value ${quote(value)} has an empty name`);
  const name = aliases.get(written) ?? written;
  if (unsupportedNames.has(name)) {
    throw invalid(`option ${quote(written)} is not supported`);
  }
  if (!optionNames.has(name)) throw invalid(`unknown option ${quote(written)}`);
  return { written, name: name as OptionName, value };
}
