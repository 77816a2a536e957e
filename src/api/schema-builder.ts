// A tiny schema builder: one declaration gives a structural OpenAPI schema and its static type.

/** A CEL validation rule (`x-kubernetes-validations`), checked by the API server itself. */
export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired';
  readonly fieldPath?: string;
}

/**
 * The emitted schema. Only the structural subset Kubernetes accepts can be expressed: no `$ref`,
 * no `anyOf`/`oneOf`/`allOf`, no `additionalProperties` beside `properties`, and a `type`
 * everywhere except on int-or-string.
 */
export interface JsonSchema {
  readonly description?: string;
  readonly type?: 'string' | 'integer' | 'boolean' | 'object' | 'array';
  readonly format?: string;
  readonly enum?: readonly (string | number)[];
  readonly default?: unknown;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly additionalProperties?: JsonSchema;
  readonly 'x-kubernetes-preserve-unknown-fields'?: true;
  readonly 'x-kubernetes-int-or-string'?: true;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
}

declare const typeOnly: unique symbol;

/**
 * A schema and, at the type level only, the value it describes: `Out` as read back from the API
 * server (defaults applied), `In` as a client may write it, and whether a default exists (which
 * makes the field always present when read).
 */
export interface Schema<Out, In = Out, Defaulted extends boolean = boolean> {
  readonly json: JsonSchema;
  readonly [typeOnly]?: { readonly out: Out; readonly in: In; readonly defaulted: Defaulted };
}

/** Any schema, whatever it describes. */
export type AnySchema = Schema<unknown>;

/** The value type as read from the API server: defaulted fields are always present. */
export type Infer<S> = S extends Schema<infer Out, unknown> ? Out : never;
/** The value type as a client may write it: defaulted fields may be left out. */
export type InferInput<S> = S extends Schema<unknown, infer In> ? In : never;

interface CommonOptions<T> {
  readonly description?: string;
  readonly default?: T;
  readonly validations?: readonly CelRule[];
}

type HasDefault<O> = O extends { readonly default: unknown } ? true : false;

export interface StringOptions extends CommonOptions<string> {
  readonly enum?: readonly string[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly format?: 'date-time' | 'byte' | 'duration';
}

type StringOf<O> = O extends { readonly enum: readonly (infer E extends string)[] } ? E : string;

export interface IntOptions extends CommonOptions<number> {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly format?: 'int32' | 'int64';
}

export interface ArrayOptions extends CommonOptions<readonly unknown[]> {
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys?: readonly string[];
  readonly minItems?: number;
  readonly maxItems?: number;
}

export interface ObjectOptions<K extends string> extends CommonOptions<
  Readonly<Record<string, unknown>>
> {
  readonly required?: readonly K[];
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeysOf<O> = O extends { readonly required: readonly (infer K extends string)[] }
  ? K
  : never;

type PresentKeys<P extends Record<string, AnySchema>, R> = {
  [K in keyof P]: K extends R ? K : P[K] extends Schema<unknown, unknown, true> ? K : never;
}[keyof P];

type ObjectOut<P extends Record<string, AnySchema>, R> = Simplify<
  { readonly [K in PresentKeys<P, R>]: Infer<P[K]> } & {
    readonly [K in Exclude<keyof P, PresentKeys<P, R>>]?: Infer<P[K]>;
  }
>;

type ObjectIn<P extends Record<string, AnySchema>, R> = Simplify<
  { readonly [K in keyof P & R]: InferInput<P[K]> } & {
    readonly [K in Exclude<keyof P, R>]?: InferInput<P[K]>;
  }
>;

/** Copies only the options that were given, so the emitted YAML has no `undefined` keys. */
function common(options: CommonOptions<unknown> | undefined): JsonSchema {
  return {
    ...(options?.description === undefined ? {} : { description: options.description }),
    ...(options?.default === undefined ? {} : { default: options.default }),
  };
}

function validations(options: CommonOptions<unknown> | undefined): JsonSchema {
  return options?.validations === undefined || options.validations.length === 0
    ? {}
    : { 'x-kubernetes-validations': options.validations };
}

function pick(options: object | undefined, keys: readonly (keyof JsonSchema)[]): JsonSchema {
  const given = new Map<string, unknown>(Object.entries(options ?? {}));
  const picked = keys.flatMap((key) => {
    const value = given.get(key);
    return value === undefined ? [] : [[key, value] as const];
  });
  return Object.fromEntries(picked);
}

function schema<Out, In, D extends boolean>(json: JsonSchema): Schema<Out, In, D> {
  return { json };
}

/**
 * A string. With `enum`, its type is the union of the members.
 * @throws Error when `default` is not one of `enum`: the API server would reject the CRD.
 */
export function str<const O extends StringOptions = StringOptions>(
  options?: O,
): Schema<StringOf<O>, StringOf<O>, HasDefault<O>> {
  if (options?.enum !== undefined && options.default !== undefined) {
    if (!options.enum.includes(options.default)) {
      throw new Error(`default ${options.default} is not one of ${options.enum.join(', ')}`);
    }
  }
  return schema({
    ...common(options),
    type: 'string',
    ...pick(options, ['format', 'enum', 'pattern', 'minLength', 'maxLength']),
    ...validations(options),
  });
}

/** An RFC 3339 timestamp, as Kubernetes writes `metav1.Time`. */
export function dateTime<const O extends Omit<StringOptions, 'format' | 'enum'>>(
  options?: O,
): Schema<string, string, HasDefault<O>> {
  return str({ ...options, format: 'date-time' }) as Schema<string, string, HasDefault<O>>;
}

/** An integer (a JSON number without fraction). */
export function int<const O extends IntOptions = IntOptions>(
  options?: O,
): Schema<number, number, HasDefault<O>> {
  return schema({
    ...common(options),
    type: 'integer',
    ...pick(options, ['format', 'minimum', 'maximum']),
    ...validations(options),
  });
}

export function bool<const O extends CommonOptions<boolean> = CommonOptions<boolean>>(
  options?: O,
): Schema<boolean, boolean, HasDefault<O>> {
  return schema({ ...common(options), type: 'boolean', ...validations(options) });
}

/** An object with known properties; every property not named in `required` is optional. */
export function obj<
  const P extends Record<string, AnySchema>,
  const O extends ObjectOptions<keyof P & string> = ObjectOptions<keyof P & string>,
>(
  properties: P,
  options?: O,
): Schema<ObjectOut<P, RequiredKeysOf<O>>, ObjectIn<P, RequiredKeysOf<O>>, HasDefault<O>> {
  const props: Record<string, JsonSchema> = {};
  for (const [name, property] of Object.entries(properties)) props[name] = property.json;
  const required = options?.required ?? [];
  return schema({
    ...common(options),
    type: 'object',
    properties: props,
    ...(required.length === 0 ? {} : { required }),
    ...validations(options),
  });
}

/** A list. A `map` list needs `listMapKeys`, each a required (or defaulted) field of the item. */
export function arr<I extends AnySchema, const O extends ArrayOptions = ArrayOptions>(
  item: I,
  options?: O,
): Schema<readonly Infer<I>[], readonly InferInput<I>[], HasDefault<O>> {
  if ((options?.listType === 'map') !== (options?.listMapKeys !== undefined)) {
    throw new Error('listMapKeys is required with, and only with, listType map');
  }
  return schema({
    ...common(options),
    type: 'array',
    ...pick(options, ['minItems', 'maxItems']),
    items: item.json,
    ...(options?.listType === undefined ? {} : { 'x-kubernetes-list-type': options.listType }),
    ...(options?.listMapKeys === undefined
      ? {}
      : { 'x-kubernetes-list-map-keys': options.listMapKeys }),
    ...validations(options),
  });
}

/** A map from any string key to values of one schema (`additionalProperties`). */
export function map<
  V extends AnySchema,
  const O extends CommonOptions<unknown> = CommonOptions<unknown>,
>(
  value: V,
  options?: O,
): Schema<
  Readonly<Record<string, Infer<V>>>,
  Readonly<Record<string, InferInput<V>>>,
  HasDefault<O>
> {
  return schema({
    ...common(options),
    type: 'object',
    additionalProperties: value.json,
    ...validations(options),
  });
}

/** An object the API server stores as given. Use only where the shape is truly open. */
export function preserveUnknown<const O extends CommonOptions<unknown> = CommonOptions<unknown>>(
  options?: O,
): Schema<Readonly<Record<string, unknown>>, Readonly<Record<string, unknown>>, HasDefault<O>> {
  return schema({
    ...common(options),
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    ...validations(options),
  });
}

/** An integer or a string (e.g. `5` or `"50%"`); CEL sees it as `int` or `string`. */
export function intOrString<
  const O extends CommonOptions<number | string> = CommonOptions<number | string>,
>(options?: O): Schema<number | string, number | string, HasDefault<O>> {
  return schema({
    ...common(options),
    'x-kubernetes-int-or-string': true,
    ...validations(options),
  });
}

/** The same schema with its own description, for a shared schema used in several places. */
export function describe<S extends AnySchema>(described: S, description: string): S {
  // Description first, as every other schema emits it.
  const json: JsonSchema = { description, ...described.json };
  return { ...described, json: { ...json, description } };
}
