/**
 * The playground's form: which option fields it shows, and how a submitted query becomes an option segment.
 * Pure; the page validates the segment with the image route's own parser before showing any image.
 */

export interface PlaygroundField {
  name: string;
  option: string;
  label: string;
  /** A select's values ('' first: not set), or undefined for a number input. */
  values?: readonly string[];
  max?: number;
}

export const FIELDS: readonly PlaygroundField[] = [
  { name: 'w', option: 'width', label: 'width', max: 8192 },
  { name: 'h', option: 'height', label: 'height', max: 8192 },
  { name: 'fit', option: 'fit', label: 'fit', values: ['', 'scale-down', 'contain', 'cover', 'crop', 'aspect-crop', 'pad', 'squeeze'] },
  { name: 'g', option: 'gravity', label: 'gravity', values: ['', 'auto', 'face', 'center', 'left', 'right', 'top', 'bottom'] },
  { name: 'q', option: 'quality', label: 'quality', max: 100 },
  { name: 'f', option: 'format', label: 'format', values: ['auto', 'avif', 'webp', 'jpeg', 'png'] },
  { name: 'blur', option: 'blur', label: 'blur', max: 250 },
  { name: 'rotate', option: 'rotate', label: 'rotate', values: ['', '90', '180', '270'] },
];

/** What the form starts with when a master is picked. */
export const DEFAULT_VALUES: Readonly<Record<string, string>> = { w: '640', f: 'auto' };

/** The submitted values of the form's fields (at most 16 characters each); the defaults when none is given. */
export function formValues(query: Record<string, string | undefined>): Record<string, string> {
  const given = FIELDS.some((field) => query[field.name] !== undefined);
  const values: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = (given ? query[field.name] : DEFAULT_VALUES[field.name]) ?? '';
    values[field.name] = value.trim().slice(0, 16);
  }
  return values;
}

/** `width=640,format=auto`, in the form's order, leaving out empty fields; `format` replaced when given. */
export function segmentOf(values: Record<string, string>, format?: string): string {
  return FIELDS.flatMap((field) => {
    const value = field.option === 'format' && format !== undefined ? format : values[field.name];
    return value ? [`${field.option}=${value}`] : [];
  }).join(',');
}
