/*
 * The subset of Go text/template (pkg.go.dev/text/template) that Fulcio's ci-issuer-metadata
 * templates use, run with `missingkey=error`:
 *   {{ .name }}   {{ index . "a/b" }}   {{ (index . "a/b") }}
 *   {{ if eq ARG ARG }} … {{ else }} … {{ end }}   {{ if ARG }} … {{ end }}
 * where ARG is `.name`, `(index . "key")` or a double-quoted string. Trim markers `{{-`/`-}}`
 * are honoured. Anything else is rejected when the configuration is loaded, never at issuance.
 */

type Arg = { kind: 'field'; name: string } | { kind: 'string'; value: string };
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; arg: Arg }
  | { kind: 'if'; cond: { op: 'eq'; a: Arg; b: Arg } | { op: 'truthy'; a: Arg }; then: Node[]; else: Node[] };

/** A parsed template. */
export interface Template {
  readonly source: string;
  /** True when the source has no action: Fulcio then treats it as a claim name. */
  readonly isClaimName: boolean;
  readonly nodes: readonly Node[];
}

/** Raised for template syntax errors and for missing keys at render time. */
export class TemplateError extends Error {}

const ARG_RE = /^\s*(?:\.([A-Za-z_][A-Za-z0-9_]*)|\(\s*index\s+\.\s+"((?:[^"\\]|\\.)*)"\s*\)|index\s+\.\s+"((?:[^"\\]|\\.)*)"|"((?:[^"\\]|\\.)*)")\s*/;

function readArg(s: string): { arg: Arg; rest: string } {
  const m = ARG_RE.exec(s);
  if (!m) throw new TemplateError(`cannot parse ${JSON.stringify(s.trim())}`);
  const rest = s.slice(m[0].length);
  if (m[1] !== undefined) return { arg: { kind: 'field', name: m[1] }, rest };
  const quoted = m[2] ?? m[3];
  if (quoted !== undefined) return { arg: { kind: 'field', name: JSON.parse(`"${quoted}"`) as string }, rest };
  return { arg: { kind: 'string', value: JSON.parse(`"${m[4] as string}"`) as string }, rest };
}

function onlyArg(s: string): Arg {
  const { arg, rest } = readArg(s);
  if (rest.trim() !== '') throw new TemplateError(`unexpected ${JSON.stringify(rest.trim())}`);
  return arg;
}

/**
 * Parses a template.
 * @throws TemplateError on syntax this subset does not support
 */
export function parseTemplate(source: string): Template {
  if (typeof source !== 'string') throw new TemplateError('template must be a string');
  const tokens: ({ t: 'text'; v: string } | { t: 'action'; v: string })[] = [];
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    if (open < 0) {
      tokens.push({ t: 'text', v: source.slice(pos) });
      break;
    }
    let text = source.slice(pos, open);
    const close = source.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError('unclosed action');
    let inner = source.slice(open + 2, close);
    if (inner.startsWith('-')) {
      text = text.trimEnd();
      inner = inner.slice(1);
    }
    let next = close + 2;
    if (inner.endsWith('-')) {
      inner = inner.slice(0, -1);
      const m = /^\s*/.exec(source.slice(next));
      next += m ? m[0].length : 0;
    }
    if (text) tokens.push({ t: 'text', v: text });
    tokens.push({ t: 'action', v: inner.trim() });
    pos = next;
  }
  let i = 0;
  const parseBlock = (inIf: boolean): { nodes: Node[]; end: 'end' | 'else' | 'eof' } => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const tok = tokens[i++]!;
      if (tok.t === 'text') {
        nodes.push({ kind: 'text', text: tok.v });
        continue;
      }
      const a = tok.v;
      if (a === 'end' || a === 'else') {
        if (!inIf) throw new TemplateError(`unexpected {{${a}}}`);
        return { nodes, end: a };
      }
      if (a.startsWith('if ')) {
        const cond = a.slice(3).trim();
        let c: Extract<Node, { kind: 'if' }>['cond'];
        if (cond.startsWith('eq ')) {
          const first = readArg(cond.slice(3));
          c = { op: 'eq', a: first.arg, b: onlyArg(first.rest) };
        } else {
          c = { op: 'truthy', a: onlyArg(cond) };
        }
        const then = parseBlock(true);
        let otherwise: Node[] = [];
        if (then.end === 'else') {
          const e = parseBlock(true);
          if (e.end !== 'end') throw new TemplateError('{{else}} without {{end}}');
          otherwise = e.nodes;
        } else if (then.end !== 'end') {
          throw new TemplateError('{{if}} without {{end}}');
        }
        nodes.push({ kind: 'if', cond: c, then: then.nodes, else: otherwise });
        continue;
      }
      nodes.push({ kind: 'value', arg: onlyArg(a) });
    }
    if (inIf) throw new TemplateError('{{if}} without {{end}}');
    return { nodes, end: 'eof' };
  };
  const { nodes } = parseBlock(false);
  return { source, isClaimName: !source.includes('{{'), nodes };
}

function lookup(arg: Arg, data: ReadonlyMap<string, string>): string {
  if (arg.kind === 'string') return arg.value;
  const v = data.get(arg.name);
  if (v === undefined) throw new TemplateError(`map has no entry for key "${arg.name}"`);
  return v;
}

function renderNodes(nodes: readonly Node[], data: ReadonlyMap<string, string>): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'value') out += lookup(n.arg, data);
    else {
      const ok = n.cond.op === 'eq' ? lookup(n.cond.a, data) === lookup(n.cond.b, data) : lookup(n.cond.a, data) !== '';
      out += renderNodes(ok ? n.then : n.else, data);
    }
  }
  return out;
}

/**
 * Renders a template (or, for a template without actions, looks the claim up by name, as Fulcio
 * does).
 * @throws TemplateError when a key is in neither the claims nor the defaults
 */
export function renderTemplate(t: Template, data: ReadonlyMap<string, string>): string {
  if (t.isClaimName) return lookup({ kind: 'field', name: t.source }, data);
  return renderNodes(t.nodes, data);
}
