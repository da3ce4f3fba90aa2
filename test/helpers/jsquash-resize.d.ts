import type { Pixels } from '../../src/pipeline/codecs.js';
export declare function jsquashResize(image: Pixels, width: number, height: number): Promise<Pixels>;
