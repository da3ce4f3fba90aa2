/** The playground's stylesheet, inlined into the page (one request fewer, no build step). */
export const PLAYGROUND_CSS = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{padding:.6rem 1.2rem;background:#1f6feb;color:#fff}header h1{margin:0;font-size:1.3rem}header p{margin:.2rem 0 0}
header code{color:#fff;background:#0004}
main{display:grid;grid-template-columns:minmax(14rem,20rem) 1fr;gap:1.2rem;padding:1.2rem}
@media (max-width:760px){main{grid-template-columns:1fr}}
section,nav{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.8rem 1rem;margin-bottom:1.2rem}
h2{font-size:1.1rem;margin:.2rem 0 .6rem;word-break:break-all}h3{font-size:1rem;margin:1rem 0 .4rem}
code{background:#eff1f3;border-radius:3px;padding:0 .2em}
.browser ul{list-style:none;margin:0;padding:0}.browser li a{display:flex;align-items:center;gap:.5rem;padding:.25rem;border-radius:4px;text-decoration:none;color:inherit}
.browser li a:hover,.browser li.selected a{background:#ddf4ff}.browser li img{border-radius:3px;background:#eee;flex:none}
.browser li span{flex:1;word-break:break-all}.browser li small{color:#57606a}.crumbs a{margin-right:.1rem}
form label{display:inline-flex;flex-direction:column;font-size:.85rem;margin:0 .6rem .6rem 0}
input[type=number]{width:6rem}fieldset{border:0;padding:0;margin:0}
.variant{margin:0 0 .8rem}.variant img{max-width:100%;height:auto;background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 0 0/16px 16px;display:block}
.variant figcaption{font-size:.85rem;color:#57606a;margin-top:.3rem}
.formats{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.8rem}
.url input{font-family:ui-monospace,monospace;max-width:100%}textarea{width:100%;font-family:ui-monospace,monospace;font-size:.8rem}
.error{color:#cf222e;background:#ffebe9;border:1px solid #ff818266;border-radius:6px;padding:.5rem .8rem;margin:1rem 1.2rem}
.editor .error{margin:1rem 0}.hint{color:#57606a}
`;
