import r4Model from 'fhirpath/fhir-context/r4';

/** A value found by an expression: its FHIR type name (as fhirpath names it) and the JSON data. */
export interface PathValue {
  type: string | undefined;
  data: unknown;
  /** The element path from the resource, e.g. `Observation.component`. */
  path?: string;
  /** Where the walk stood, so that a composite's components continue from it without a lookup. */
  state?: State;
}

type Step =
  | { kind: 'child'; name: string }
  | { kind: 'cast'; type: string }
  | { kind: 'refersTo'; type: string }
  | { kind: 'equals'; name: string; value: string };

interface Alternative {
  root: string;
  steps: Step[];
  /** The walk's starting state, looked up once. */
  rootState?: State;
}

const path2Type = (r4Model.path2Type ?? {}) as Record<string, string | { code: string }>;
const choiceTypePaths = (r4Model.choiceTypePaths ?? {}) as Record<string, string[]>;
const definedElsewhere = (r4Model.pathsDefinedElsewhere ?? {}) as Record<string, string>;

// The steps the fast path understands, each anchored at the start of what is left of the expression.
const STEP_FORMS: [RegExp, (m: RegExpExecArray) => Step][] = [
  [/^\.where\(\s*resolve\(\)\s+is\s+([A-Z][A-Za-z]+)\s*\)/, (m) => ({ kind: 'refersTo', type: m[1]! })],
  [/^\.where\(\s*([a-z][A-Za-z0-9]*)\s*=\s*'([^'\\]*)'\s*\)/, (m) => ({ kind: 'equals', name: m[1]!, value: m[2]! })],
  [/^\.ofType\(([A-Za-z]+)\)/, (m) => ({ kind: 'cast', type: m[1]! })],
  [/^\s+as\s+([A-Za-z]+)/, (m) => ({ kind: 'cast', type: m[1]! })],
  [/^\.([a-z][A-Za-z0-9]*)(?![A-Za-z0-9(])/, (m) => ({ kind: 'child', name: m[1]! })],
];

/** The steps of `text` (`.code.where(system='x') as Quantity`, ...), or undefined where one is not understood. */
function parseSteps(text: string): Step[] | undefined {
  const steps: Step[] = [];
  let rest = text;
  while ((rest = rest.trimEnd()).length > 0) {
    let matched = false;
    for (const [form, make] of STEP_FORMS) {
      const m = form.exec(rest);
      if (!m) continue;
      steps.push(make(m));
      rest = rest.slice(m[0].length);
      matched = true;
      break;
    }
    if (!matched) return undefined;
  }
  return steps;
}

/** One alternative of a union: `Root.steps`, optionally with a parenthesised prefix (`(Root.a as T).b`). */
function parseAlternative(text: string): Alternative | undefined {
  let part = text.trim();
  if (part.startsWith('(')) {
    const close = matchingParen(part);
    if (close < 0) return undefined;
    const inner = parseAlternative(part.slice(1, close));
    const after = parseSteps(part.slice(close + 1));
    return inner && after ? { root: inner.root, steps: [...inner.steps, ...after] } : undefined;
  }
  const root = /^[A-Z][A-Za-z]+/.exec(part);
  if (!root) return undefined;
  part = part.slice(root[0].length);
  const steps = parseSteps(part);
  return steps ? { root: root[0], steps } : undefined;
}

function matchingParen(text: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Nearly all official R4 search expressions (2,279 of 2,283) are plain paths, unions of paths, a type filter
 * (`ofType`/`as`), `where(resolve() is T)` or `where(element='literal')`. Those are evaluated here by walking
 * the JSON directly, about ten times faster than the general FHIRPath engine; anything else returns undefined
 * and goes to the engine.
 */
export function compileFastPath(expression: string): ((resource: unknown) => PathValue[]) | undefined {
  const alternatives: Alternative[] = [];
  for (const part of splitTopLevelUnion(expression)) {
    const alternative = parseAlternative(part);
    if (!alternative) return undefined;
    alternatives.push(alternative);
  }
  if (alternatives.length === 0) return undefined;
  return (resource) => {
    const out: PathValue[] = [];
    for (const alt of alternatives) evaluate(alt, resource, out);
    return out;
  };
}

interface State {
  type: string | undefined;
  /** The element path from the resource (e.g. `Observation.component`), for backbone elements' children. */
  path: string;
}

interface Node {
  state: State;
  data: unknown;
}

/**
 * A composite component's expression (`code`, `value.ofType(Quantity)`, `value.ofType(DateTime) |
 * value.ofType(Period)`), walked from one composite instance.
 */
export function compileRelativePath(expression: string): ((node: PathValue) => PathValue[]) | undefined {
  const alternatives: Step[][] = [];
  for (const part of splitTopLevelUnion(expression)) {
    const text = part.trim();
    if (!/^[a-z]/.test(text)) return undefined;
    const steps = parseSteps(`.${text}`);
    if (!steps) return undefined;
    alternatives.push(steps);
  }
  return (node) => {
    const out: PathValue[] = [];
    const state = node.state ?? (node.path ? stateOf(node.type, node.path) : undefined);
    if (state) for (const steps of alternatives) walk(steps, [{ state, data: node.data }], out);
    return out;
  };
}

// Where a step leads from each state: the JSON properties to read and the state of what they hold. The
// element types are fixed by the model, so this is worked out once per (state, name) and then reused.
const transitions = new Map<State, Map<string, { property: string; state: State }[]>>();
const states = new Map<string, State>();

function stateOf(type: string | undefined, path: string): State {
  const key = `${type ?? ''}|${path}`;
  let state = states.get(key);
  if (!state) states.set(key, (state = { type, path }));
  return state;
}

function transition(from: State, name: string): { property: string; state: State }[] {
  let byName = transitions.get(from);
  if (!byName) transitions.set(from, (byName = new Map<string, { property: string; state: State }[]>()));
  let result = byName.get(name);
  if (result) return result;
  const path = resolvePath(`${from.path}.${name}`);
  const byType = from.type ? `${from.type}.${name}` : undefined;
  const choices = choiceTypePaths[path] ?? (byType ? choiceTypePaths[byType] : undefined);
  if (choices) {
    result = choices.map((t) => ({ property: `${name}${t}`, state: stateOf(fhirTypeName(t), path) }));
  } else {
    const declared = path2Type[path] ?? (byType ? path2Type[byType] : undefined);
    const type = declared === undefined ? undefined : typeof declared === 'string' ? declared : declared.code;
    result = [{ property: name, state: stateOf(type, path) }];
  }
  byName.set(name, result);
  return result;
}

function evaluate(alt: Alternative, resource: unknown, out: PathValue[]) {
  if (!isObject(resource) || resource.resourceType !== alt.root) return;
  alt.rootState ??= stateOf(alt.root, alt.root);
  walk(alt.steps, [{ state: alt.rootState, data: resource }], out);
}

function walk(steps: Step[], start: Node[], out: PathValue[]) {
  let nodes = start;
  for (const step of steps) {
    const next: Node[] = [];
    for (const node of nodes) {
      if (step.kind === 'child') {
        const data = node.data;
        if (!isObject(data)) continue;
        for (const { property, state } of transition(node.state, step.name)) {
          const value = data[property];
          if (value === undefined || value === null) continue;
          if (Array.isArray(value)) {
            for (const v of value) if (v !== undefined && v !== null) next.push({ state, data: v });
          } else next.push({ state, data: value });
        }
      } else if (step.kind === 'cast') {
        const type = node.state.type;
        if (type !== undefined && type.toLowerCase() === step.type.toLowerCase()) next.push(node);
      } else if (step.kind === 'equals') {
        // FHIRPath `=` on a single primitive: the element must be there and equal (absent or a list is no match).
        if (isObject(node.data) && node.data[step.name] === step.value) next.push(node);
      } else if (refersTo(node.data, step.type)) next.push(node);
    }
    nodes = next;
    if (nodes.length === 0) return;
  }
  for (const n of nodes) out.push({ type: n.state.type, data: n.data, path: n.state.path, state: n.state });
}

// Elements such as Questionnaire.item.item are defined by another element's definition.
function resolvePath(path: string): string {
  for (let i = 0; i < 4; i++) {
    const cut = path.lastIndexOf('.');
    const parent = definedElsewhere[path.slice(0, cut)];
    if (!parent) return path;
    path = `${parent}${path.slice(cut)}`;
  }
  return path;
}

// Choice suffixes are capitalised (valueDateTime); fhirpath names primitive types in lower camel case.
function fhirTypeName(suffix: string): string {
  const primitive =
    /^(Boolean|Integer|String|Decimal|Uri|Url|Canonical|Base64Binary|Instant|Date|DateTime|Time|Code|Oid|Id|Markdown|UnsignedInt|PositiveInt|Uuid)$/;
  return primitive.test(suffix) ? suffix[0]!.toLowerCase() + suffix.slice(1) : suffix;
}

function refersTo(data: unknown, type: string): boolean {
  if (!isObject(data) || typeof data.reference !== 'string') return false;
  return data.reference.startsWith(`${type}/`) || data.reference.includes(`/${type}/`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function splitTopLevelUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(expression.slice(start));
  return parts;
}
