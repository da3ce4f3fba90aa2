/** The `color-name` package: CSS's 148 named colours as [r, g, b] (it ships no types). */
declare module 'color-name' {
  const colors: Record<string, [number, number, number]>;
  export default colors;
}
