// The fhirpath 5.2.0 package ships without its declaration files; this is the part of its API we use.
declare module 'fhirpath' {
  export interface Model {
    path2Type?: Record<string, unknown>;
    path2Repeating?: unknown;
    [key: string]: unknown;
  }
  export type Compiled = (resource: unknown, context?: Record<string, unknown>) => unknown[];
  export interface CompileOptions {
    resolveInternalTypes?: boolean;
  }
  const fhirpath: {
    compile(
      expression: string | { base: string; expression: string },
      model?: Model,
      options?: CompileOptions,
    ): Compiled;
  };
  export default fhirpath;
}

declare module 'fhirpath/fhir-context/r4' {
  import type { Model } from 'fhirpath';
  const model: Model;
  export default model;
}
